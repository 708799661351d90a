"""What the data means: tables, the store (all SQL), settings, SLA config, calendars and the engine."""
