"""Business time: calendars (hours, holidays, zones), the vectorised working-time kernel and the
month rules. Pure: the standard library, numpy, pandas, `holidays` and `models.errors` only."""
