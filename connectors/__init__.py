"""Where data comes from: canonical CSV, the demo organisation, HubSpot. Writes go through the store."""
