"""Verdicts as a service: reads through the store, judges with the engine, keeps frozen months,
disputes and exclusions, and the verdict cache. May import everything else in `models`."""
