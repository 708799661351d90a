"""The `[nudges]` table of the SLA file: who is told about an item before and when it breaches,
through which channel, and who never is. Parsed with the rest of the file by
`models.config.parse_config` (problems are reported with the file's other ones); pure.

    [nudges]
    every_minutes = 5                       # how often `handoff schedule` runs a pass
    channels = ["slack", "email"]           # a person's channels, the first that works is used
    max_age_hours = 72                      # a breach older than this gets no notice any more
    mute = ["rep@example.com"]              # never nudged (they can also mute themselves)
    marketing_ops = ["mops@example.com"]    # quota pace warnings
    service_queue = ["cs-lead@example.com"] # service items nobody owns yet (default: service managers)
    pace_below_pct = 90                     # warn marketing ops when the quota pace drops below
    digest = true                           # each manager's morning digest
    [[nudges.stages]]
    name = "half"
    at_pct = 50                             # of the target used; 100 means "breached"
    to = ["owner"]                          # owner | manager | room
    [nudges.slack_users]                    # e-mail -> Slack member id, when lookup by e-mail fails
    "rep@example.com" = "U0123ABCD"
    [nudges.rooms]                          # team_id -> the variable holding its room's webhook URL
    "sales-east" = "NUDGE_WEBHOOK_SALES_EAST"
    "support" = { variable = "NUDGE_WEBHOOK_SUPPORT", kind = "teams" }  # kind: slack | teams
    [nudges.sla.attempts]                   # per-SLA override of `enabled` and `stages`
    enabled = false
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CHANNELS = ("slack", "email")
ROOM_KINDS = ("slack", "teams")  # unset: a Teams (office.com, Power Automate) URL gets a card
ROLES = ("owner", "manager", "room")
BREACH_PCT = 100.0
NUDGE_KEYS = (
    "enabled",
    "every_minutes",
    "channels",
    "max_age_hours",
    "mute",
    "marketing_ops",
    "service_queue",
    "pace_below_pct",
    "digest",
    "digest_max_items",
    "stages",
    "slack_users",
    "rooms",
    "sla",
)
SLA_OVERRIDE_KEYS = ("enabled", "stages")


@dataclass(frozen=True)
class Stage:
    """One rung of the ladder: at `at_pct` of the target used (100: breached), tell `to`."""

    name: str
    at_pct: float
    to: tuple[str, ...]

    @property
    def is_breach(self) -> bool:
        return self.at_pct >= BREACH_PCT


DEFAULT_STAGES = (
    Stage("half", 50.0, ("owner",)),
    Stage("late", 75.0, ("owner",)),
    Stage("breach", BREACH_PCT, ("owner", "manager")),
)


@dataclass(frozen=True)
class SlaNudges:
    enabled: bool
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class NudgeConfig:
    enabled: bool = True
    every_minutes: int = 5
    channels: tuple[str, ...] = CHANNELS
    max_age_hours: float = 72.0
    mute: frozenset[str] = frozenset()
    marketing_ops: tuple[str, ...] = ()
    service_queue: tuple[str, ...] = ()
    pace_below_pct: float = 90.0
    digest: bool = True
    digest_max_items: int = 15
    stages: tuple[Stage, ...] = DEFAULT_STAGES
    slack_users: Mapping[str, str] = field(default_factory=dict)
    rooms: Mapping[str, str] = field(default_factory=dict)
    room_kinds: Mapping[str, str] = field(default_factory=dict)  # team_id -> slack | teams
    per_sla: Mapping[str, SlaNudges] = field(default_factory=dict)

    def for_sla(self, sla_id: str) -> SlaNudges:
        """The ladder of one SLA: its override, else the file-wide one."""
        return self.per_sla.get(sla_id, SlaNudges(self.enabled, self.stages))


def _emails(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and "@" in v for v in raw):
        problems.append(f"{where}: expected a list of e-mail addresses, got {raw!r}")
        return ()
    return tuple(v.strip().lower() for v in raw)


def _number(raw: Mapping[str, Any], key: str, default: float, low: float, high: float,
            problems: list[str], where: str = "nudges") -> float:  # fmt: skip
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        problems.append(f"{where}.{key}: expected a number from {low:g} to {high:g}, got {value!r}")
        return default
    return float(value)


def _flag(raw: Mapping[str, Any], key: str, default: bool, problems: list[str], where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.append(f"{where}.{key}: expected true or false, got {value!r}")
        return default
    return value


def _stages(raw: Any, where: str, problems: list[str]) -> tuple[Stage, ...]:
    if raw is None:
        return DEFAULT_STAGES
    if not isinstance(raw, list) or not raw:
        problems.append(
            f"{where}: expected an array of tables ([[nudges.stages]]) with name, at_pct, to"
        )
        return DEFAULT_STAGES
    stages: list[Stage] = []
    for index, spec in enumerate(raw):
        here = f"{where}[{index}]"
        if not isinstance(spec, Mapping):
            problems.append(f"{here}: expected a table with name, at_pct and to")
            continue
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f'{here}.name: expected a short name like "late", got {name!r}')
            continue
        at = _number(spec, "at_pct", 0.0, 1, 100, problems, here)
        to = spec.get("to", ["owner"])
        if not isinstance(to, list) or not to or any(r not in ROLES for r in to):
            problems.append(f"{here}.to: expected a list drawn from {list(ROLES)}, got {to!r}")
            continue
        stages.append(Stage(name.strip(), at, tuple(dict.fromkeys(to))))
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        problems.append(f"{where}: two stages share a name ({names}); each needs its own")
    return tuple(sorted(stages, key=lambda s: s.at_pct))


def _text_map(raw: Any, where: str, problems: list[str]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) and v for v in raw.values()):
        problems.append(f'{where}: expected a table of "key" = "value" strings')
        return {}
    return {str(k): v for k, v in raw.items()}


def _rooms(raw: Any, problems: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """`[nudges.rooms]`: team_id = "VARIABLE", or team_id = { variable = "...", kind = "teams" }."""
    if raw is None:
        return {}, {}
    where = "nudges.rooms"
    if not isinstance(raw, Mapping):
        problems.append(f'{where}: expected a table of team id = "VARIABLE" (the variable that '
                        "holds the room's webhook URL)")  # fmt: skip
        return {}, {}
    variables, kinds = {}, {}
    for team, value in raw.items():
        if isinstance(value, str) and value:
            variables[str(team)] = value
            continue
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - {"variable", "kind"})
            variable, kind = value.get("variable"), value.get("kind")
            if unknown:
                problems.append(f"{where}.{team}: unknown key(s) {', '.join(unknown)}; "
                                "use variable and kind")  # fmt: skip
            elif not isinstance(variable, str) or not variable:
                problems.append(f'{where}.{team}: variable = "NAME" is missing (the environment '
                                "variable or secret that holds the webhook URL)")  # fmt: skip
            elif kind is not None and kind not in ROOM_KINDS:
                problems.append(f"{where}.{team}.kind: expected one of {', '.join(ROOM_KINDS)}, "
                                f"got {kind!r}")  # fmt: skip
            else:
                variables[str(team)] = variable
                if kind is not None:
                    kinds[str(team)] = str(kind)
            continue
        problems.append(f'{where}.{team}: expected "VARIABLE" or {{ variable = "VARIABLE", '
                        'kind = "teams" }')  # fmt: skip
    return variables, kinds


def parse_nudges(raw: Any, problems: list[str], sla_ids: set[str] | None = None) -> NudgeConfig:
    """Validate `[nudges]` (absent: the defaults); appends `nudges.key: message` to `problems`."""
    if raw is None or raw == {}:
        return NudgeConfig()
    if not isinstance(raw, Mapping):
        problems.append("nudges: expected a table ([nudges])")
        return NudgeConfig()
    for key in raw:
        if key not in NUDGE_KEYS:
            problems.append(f"nudges.{key}: unknown key; known: {', '.join(NUDGE_KEYS)}")
    channels = raw.get("channels", list(CHANNELS))
    if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
        problems.append(
            f"nudges.channels: expected a list drawn from {list(CHANNELS)}, got {channels!r}"
        )
        channels = list(CHANNELS)
    every = raw.get("every_minutes", 5)
    if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= 240:
        problems.append(
            f"nudges.every_minutes: expected a whole number from 1 to 240, got {every!r}"
        )
        every = 5
    digest_max = raw.get("digest_max_items", 15)
    if (
        isinstance(digest_max, bool)
        or not isinstance(digest_max, int)
        or not 1 <= digest_max <= 200
    ):
        problems.append(
            f"nudges.digest_max_items: expected a whole number from 1 to 200, got {digest_max!r}"
        )
        digest_max = 15
    stages = _stages(raw.get("stages"), "nudges.stages", problems)
    per_sla: dict[str, SlaNudges] = {}
    overrides = raw.get("sla", {})
    if not isinstance(overrides, Mapping):
        problems.append("nudges.sla: expected tables like [nudges.sla.first-touch]")
        overrides = {}
    enabled = _flag(raw, "enabled", True, problems, "nudges")
    for sla_id, spec in overrides.items():
        where = f"nudges.sla.{sla_id}"
        if sla_ids is not None and sla_id not in sla_ids:
            problems.append(
                f"{where}: no [[sla]] has id {sla_id!r} (known: {', '.join(sorted(sla_ids))})"
            )
            continue
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: expected a table with enabled and/or stages")
            continue
        for key in spec:
            if key not in SLA_OVERRIDE_KEYS:
                problems.append(
                    f"{where}.{key}: unknown key; known: {', '.join(SLA_OVERRIDE_KEYS)}"
                )
        per_sla[sla_id] = SlaNudges(
            enabled=_flag(spec, "enabled", enabled, problems, where),
            stages=_stages(spec["stages"], f"{where}.stages", problems)
            if "stages" in spec
            else stages,
        )
    rooms, room_kinds = _rooms(raw.get("rooms"), problems)
    return NudgeConfig(
        enabled=enabled,
        every_minutes=every,
        channels=tuple(dict.fromkeys(channels)),
        max_age_hours=_number(raw, "max_age_hours", 72.0, 1, 24 * 31, problems),
        mute=frozenset(_emails(raw.get("mute"), "nudges.mute", problems)),
        marketing_ops=_emails(raw.get("marketing_ops"), "nudges.marketing_ops", problems),
        service_queue=_emails(raw.get("service_queue"), "nudges.service_queue", problems),
        pace_below_pct=_number(raw, "pace_below_pct", 90.0, 1, 100, problems),
        digest=_flag(raw, "digest", True, problems, "nudges"),
        digest_max_items=digest_max,
        stages=stages,
        slack_users={
            k.lower(): v
            for k, v in _text_map(raw.get("slack_users"), "nudges.slack_users", problems).items()
        },
        rooms=rooms,
        room_kinds=room_kinds,
        per_sla=per_sla,
    )
