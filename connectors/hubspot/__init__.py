"""HubSpot connector: `handoff sync hubspot` (client = HTTP and limits, streams = what to read,
mapping = HubSpot records to canonical frames, sync = checkpoints and the run log)."""
