"""Errors a person sees. Each says what went wrong, where, and what to do; never a secret."""

from __future__ import annotations


class HandoffError(Exception):
    """A failure that is not the input's fault (network, database): exit status 1."""


class BadInputError(ValueError):
    """Bad input (a file, an option, the SLA file): exit status 2, nothing written.

    `problems` lists every finding, one per line, e.g. `leads.csv:14: created_at: ...`.
    """

    def __init__(self, summary: str, problems: list[str] | None = None) -> None:
        self.summary = summary
        self.problems = list(problems or [])
        detail = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{summary}\n{detail}" if detail else summary)
