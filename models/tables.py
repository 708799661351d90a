"""The database tables (SQLModel). Every timestamp is stored in UTC and read back timezone-aware.

Canonical tables carry the CSV columns of SPEC.md section 1 plus `deleted_at` (a record archived
in the CRM is kept but left out of exports and verdicts) and `origin` (csv, demo or hubspot).
Bookkeeping tables serve sync, import, SLA versions, disputes, frozen months and report runs.
Schema changes go through Alembic (models/migrations); never `create_all` in production code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Index, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlmodel import Column, Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive UTC text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"naive datetime {value!r}: every timestamp must carry an offset")
            value = value.astimezone(UTC)
            return value.replace(tzinfo=None) if dialect.name == "sqlite" else value
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def ts_column(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), index=index, nullable=nullable))


class Team(SQLModel, table=True):
    team_id: str = Field(primary_key=True)
    name: str
    tier: str = Field(index=True)
    calendar: str | None = None
    manager_email: str | None = None
    origin: str | None = None


class Owner(SQLModel, table=True):
    owner_id: str = Field(primary_key=True)
    name: str
    email: str | None = None
    team_id: str | None = Field(default=None, index=True)
    active: bool = True
    origin: str | None = None


class Lead(SQLModel, table=True):
    lead_id: str = Field(primary_key=True)
    created_at: datetime = ts_column(nullable=False)
    handed_off_at: datetime | None = ts_column(index=True)
    assigned_at: datetime | None = ts_column()
    owner_id: str | None = Field(default=None, index=True)
    # Indexed for the sidebar's list of sources, read by a loose index scan (Store.read_distinct).
    source: str | None = Field(default=None, index=True)
    status: str | None = None
    rejected_at: datetime | None = ts_column()
    rejection_reason: str | None = None
    email: str | None = None
    company: str | None = None
    deleted_at: datetime | None = ts_column()
    origin: str | None = None


class Activity(SQLModel, table=True):
    # Covering index of the SLA engine's read (Store.read_sla_inputs): a lead's calls, emails
    # and meetings in a time range come from the index alone instead of from rows scattered
    # over the table (about 2.5x faster on SQLite at 5M activities). It leads with lead_id, so
    # it also serves every lookup by lead: no separate lead_id index (migration 0004 drops it).
    __table_args__ = (
        Index(
            "ix_activity_lead_covering",
            "lead_id",
            "occurred_at",
            "type",
            "direction",
            "outcome",
            "owner_id",
            "activity_id",
            "deleted_at",
        ),
    )
    activity_id: str = Field(primary_key=True)
    lead_id: str
    type: str
    occurred_at: datetime = ts_column(nullable=False)
    owner_id: str | None = None
    direction: str | None = None
    outcome: str | None = None
    body: str | None = None
    deleted_at: datetime | None = ts_column()
    origin: str | None = None


class Deal(SQLModel, table=True):
    deal_id: str = Field(primary_key=True)
    lead_id: str = Field(index=True)
    closed_won_at: datetime = ts_column(index=True, nullable=False)
    owner_id: str | None = None
    amount: float | None = None
    service_owner_id: str | None = None
    deleted_at: datetime | None = ts_column()
    origin: str | None = None


class SyncState(SQLModel, table=True):
    """A resumable cursor per (source, object type): committed with the page it covers."""

    __tablename__ = "sync_state"
    source: str = Field(primary_key=True)
    object_type: str = Field(primary_key=True)
    phase: str = "full"  # full | incremental
    cursor: str | None = None  # paging cursor (list `after`, or last hs_object_id in a search)
    bookmark: datetime | None = ts_column()  # the run start of the last complete pass
    window_start: datetime | None = ts_column()
    window_end: datetime | None = ts_column()
    updated_at: datetime | None = ts_column()


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"
    id: int | None = Field(default=None, primary_key=True)
    source: str
    full: bool = False
    started_at: datetime = ts_column(nullable=False)
    finished_at: datetime | None = ts_column()
    status: str = "running"  # running | ok | failed | paused
    counts: str | None = None  # JSON {object_type: records}
    requests_used: int = 0
    error: str | None = None


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_run"
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # csv | demo
    path: str | None = None
    started_at: datetime = ts_column(nullable=False)
    finished_at: datetime | None = ts_column()
    status: str = "running"  # running | ok | failed
    counts: str | None = None
    error: str | None = None


class SlaVersion(SQLModel, table=True):
    """An SLA definition as loaded; a changed definition adds a version, history is never rewritten."""

    __tablename__ = "sla_version"
    id: int | None = Field(default=None, primary_key=True)
    sla_id: str = Field(index=True)
    version: int
    effective_from: date
    definition: str  # JSON of the [[sla]] table
    checksum: str
    loaded_at: datetime = ts_column(nullable=False)
    loaded_by: str | None = None


class Dispute(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sla_id: str = Field(index=True)
    item_id: str = Field(index=True)  # lead_id, or deal_id for service SLAs
    kind: str = "dispute"  # dispute | exclusion
    reason: str
    status: str = "pending"  # pending | approved | rejected
    raised_by: str | None = None
    raised_at: datetime = ts_column(nullable=False)
    decided_by: str | None = None
    decided_at: datetime | None = ts_column()
    decision_note: str | None = None


class VerdictSnapshot(SQLModel, table=True):
    """A frozen month: the evaluation as it stood, so later data or rule changes don't rewrite it."""

    __tablename__ = "verdict_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(index=True)
    frozen_at: datetime = ts_column(nullable=False)
    frozen_by: str | None = None
    note: str | None = None
    superseded_at: datetime | None = ts_column()
    payload: str  # JSON of the evaluation (SPEC.md section 5 shape)


class ReportRun(SQLModel, table=True):
    __tablename__ = "report_run"
    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(index=True)
    team_id: str | None = None
    trigger: str = "manual"  # manual | schedule
    started_at: datetime = ts_column(nullable=False)
    finished_at: datetime | None = ts_column()
    status: str = "running"
    formats: str | None = None
    out_dir: str | None = None
    files: str | None = None  # JSON list
    error: str | None = None


class Delivery(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_run_id: int = Field(index=True)
    month: str = Field(index=True)
    channel: str  # folder | email | webhook
    target: str  # folder path, recipient list, webhook host (never a secret)
    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    error: str | None = None
    sent_at: datetime | None = ts_column()


class JobRun(SQLModel, table=True):
    """What the scheduler ran, so a run missed while the machine was off is caught up."""

    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(index=True)  # sync | report
    period: str = Field(index=True)  # the day or month the run covers
    started_at: datetime = ts_column(nullable=False)
    finished_at: datetime | None = ts_column()
    status: str = "running"
    error: str | None = None


def utc_date(value: datetime) -> date:
    return value.astimezone(UTC).date()


class DataRevision(SQLModel, table=True):
    """One row whose counter every write of CRM data (leads, activities, deals, owners, teams)
    bumps in the same transaction: cached verdicts are only used at the revision they were
    computed at."""

    __tablename__ = "data_revision"
    id: int = Field(default=1, primary_key=True)
    revision: int = 0


class VerdictCache(SQLModel, table=True):
    """A month's verdicts as computed at `as_of`, for data revision `revision` and SLA file
    `config_checksum`: valid until `valid_until`, the first later event that could move a clock
    (None: no later event is on file). Between the two only time passes, and the engine advances
    open items exactly without reading the data again (models/engine/advance.py)."""

    __tablename__ = "verdict_cache"
    month: str = Field(primary_key=True)
    as_of: datetime = ts_column(nullable=False)
    revision: int
    config_checksum: str
    exclusions: str  # JSON [[sla_id, item_id, reason], ...]: the approved ones it was judged with
    valid_until: datetime | None = ts_column()
    computed_at: datetime = ts_column(nullable=False)
    seconds: float  # what computing it cost: what a cache hit saves
    head: str  # the evaluation's JSON without items (as a snapshot's first line)
    items: bytes  # every per-item SLA's lean items, Parquet (see models/engine/cache_codec.py)


class AgreementReview(SQLModel, table=True):
    """A review of the agreement by its parties (SPEC.md section 2, `[agreement]`), kept beside the
    SLA versions: the SLA file's `reviewed_on` says when, this row who, why and what changed, so
    the next review starts from the last one."""

    __tablename__ = "agreement_review"
    id: int | None = Field(default=None, primary_key=True)
    reviewed_on: date = Field(index=True)
    previous_reviewed_on: date | None = None
    next_due: date
    recorded_at: datetime = ts_column(nullable=False)
    recorded_by: str
    note: str | None = None
    changes: str  # the SLA versions agreed since the previous review, or "reviewed, no change"
    config_checksum: str


class NudgeLog(SQLModel, table=True):
    """Each nudge, claimed BEFORE it is sent (status `claimed`) and marked `sent` or `failed`
    after: the unique (sla_id, item_id, stage, recipient) makes "at most once, ever" hold across
    processes. A failure is retried at `next_attempt_at`; a claim left behind by a process that
    died between sending and recording is sent again after a while (one duplicate at most,
    never a lost breach notice). `recipient` is an e-mail address or `room:<team_id>`."""

    __tablename__ = "nudge_log"
    __table_args__ = (
        Index("ux_nudge_log_key", "sla_id", "item_id", "stage", "recipient", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    sla_id: str
    item_id: str
    lead_id: str | None = Field(default=None, index=True)
    stage: str
    rank: int = 0
    recipient: str
    role: str
    channel: str  # slack | email | webhook | none
    target: str | None = None  # Slack member id, e-mail address or webhook host (never a secret)
    status: str = "claimed"  # claimed | sent | failed
    attempts: int = 0
    error: str | None = None
    summary: str | None = None  # the message's first line, for the Nudges view
    claimed_by: str | None = None
    claimed_at: datetime = ts_column(nullable=False, index=True)
    sent_at: datetime | None = ts_column()
    next_attempt_at: datetime | None = ts_column()


class Lease(SQLModel, table=True):
    """A named database lease (`nudge`, `sync`): one holder at a time across processes and
    machines; it lapses at `expires_at` unless renewed, so a killed holder frees it."""

    __tablename__ = "lease"
    name: str = Field(primary_key=True)
    holder: str
    acquired_at: datetime = ts_column(nullable=False)
    expires_at: datetime = ts_column(nullable=False)


class NudgeMute(SQLModel, table=True):
    """A person who muted their nudges (from the dashboard or `handoff nudge mute`)."""

    __tablename__ = "nudge_mute"
    email: str = Field(primary_key=True)
    muted_at: datetime = ts_column(nullable=False)


class AuditEntry(SQLModel, table=True):
    """Who did what from the dashboard, and when: every dispute filed or decided, SLA save,
    import, sync and demo load, with the signed-in identity (never a secret)."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = ts_column(index=True, nullable=False)
    actor: str = Field(index=True)  # the verified e-mail ("" when none)
    role: str  # admin | viewer | manager | rep
    action: str = Field(index=True)  # dispute.raise | dispute.decide | sla.save | import | sync | demo
    target: str = ""  # what it acted on (a dispute id, an SLA id, file names)
    outcome: str = "ok"  # ok | refused | failed
    detail: str = ""
