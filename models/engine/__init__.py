"""The SLA engine: judges one month from DataFrames (items, kinds, quota, summary, explanations,
JSON, advancing in time, rollups). Pure: imports `models.time`, `models.config`, columns, errors."""
