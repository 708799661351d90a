"""Shared constants and helpers of the report tests (imported as `report_builders`)."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)
MONTH = "2026-04"
