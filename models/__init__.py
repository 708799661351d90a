"""What the data means. Rooms: `time/` (calendars, business time), `engine/` (judging a month,
pure), `store/` (all SQL), `verdicts/` (judging through the store, the verdict cache); beside them
the tables, canonical columns, the SLA file (`config`), settings and errors."""
