"""The store: every SQL statement (canonical data, engine inputs, runs, the verdict cache's rows)
and the database engines and migrations. Imports tables, columns and settings; never the engine.

`Store` is the door: `from models.store import Store`."""

from models.store.canonical import Store, utcnow

__all__ = ["Store", "utcnow"]
