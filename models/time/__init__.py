"""Business time: calendars (hours, holidays, zones) and the vectorised working-time kernel.
Pure: imports the standard library, numpy, pandas and `holidays`; nothing else of Handoff."""
