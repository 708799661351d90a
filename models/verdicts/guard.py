"""Who may file and decide disputes, checked where the decision is recorded (not by hiding
buttons): a rep disputes only their own items, a manager decides only their own teams' items
(never a dispute they raised), viewers and unknown people change nothing."""

from __future__ import annotations

from collections.abc import Mapping

from models.access import Person
from models.access_config import normalise_email
from models.errors import BadInputError
from models.store import Store


class NotAllowedError(BadInputError):
    """A person tried something outside their role or scope (the message says what and why)."""


def item_owner(store: Store, item_id: str) -> tuple[str | None, str | None]:
    """The owner id and team id of an SLA item (a lead, or a deal for service SLAs)."""
    for entity in ("lead", "deal"):
        rows = store.read_entity(entity, ids=[item_id])
        if not rows.empty and "owner_id" in rows:
            owner = rows.iloc[0]["owner_id"]
            if isinstance(owner, str) and owner:
                owners = store.read_entity("owner", ids=[owner])
                team = owners.iloc[0]["team_id"] if not owners.empty else None
                return owner, team if isinstance(team, str) else None
            return None, None
    return None, None


def owner_emails(store: Store) -> dict[str, str]:
    """Owner id -> e-mail (older disputes stored a rep's owner id as `raised_by`)."""
    owners = store.read_entity("owner")
    if owners.empty or "email" not in owners:
        return {}
    return {
        str(o): str(e)
        for o, e in zip(owners["owner_id"], owners["email"], strict=True)
        if isinstance(e, str)
    }


def same_person(a: object, b: object, emails: Mapping[str, str]) -> bool:
    """Two `raised_by` / `decided_by` values (e-mails or owner ids) name one person."""
    if not isinstance(a, str) or not isinstance(b, str) or not a.strip() or not b.strip():
        return False

    def key(value: str) -> str:
        return normalise_email(emails.get(value, value))

    return key(a) == key(b)


def check_raise(store: Store, person: Person, item_id: str) -> None:
    """Refuse a dispute the person may not file (a rep: only their own items)."""
    if not person.is_known:
        raise NotAllowedError(
            f"{person.email or 'this sign-in'} is not known to Handoff; ask an admin"
        )
    owner, team = item_owner(store, item_id)
    if person.role == "viewer":
        raise NotAllowedError(
            f"{person.email} is a viewer: viewers read, they do not file disputes"
        )
    if person.role == "admin" or person.decides_for(team):
        return
    if owner is not None and owner in person.owner_ids:
        return
    raise NotAllowedError(
        f"{item_id} is not yours: only its rep or its team's manager may dispute it"
    )


def check_decide(
    store: Store, dispute: Mapping[str, object], decided_by: str | None, person: Person | None
) -> None:
    """Refuse self-approval (always, the CLI's `--by` too) and, for a signed-in person, any
    dispute outside the teams they manage."""
    emails = owner_emails(store)
    raiser = dispute.get("raised_by")
    if same_person(decided_by, raiser, emails) or (
        person is not None and person.is_me(raiser, emails)
    ):
        raise NotAllowedError(
            f"dispute {dispute.get('id')} was raised by {raiser}: nobody decides a dispute they "
            "raised themselves; another manager of the team (or an admin) must decide it"
        )
    if person is None:
        return
    if not person.may_decide:
        raise NotAllowedError(
            f"{person.email or 'this sign-in'} is a {person.role}: only managers and admins decide disputes"
        )
    _owner, team = item_owner(store, str(dispute.get("item_id")))
    if not person.decides_for(team):
        raise NotAllowedError(
            f"dispute {dispute.get('id')} is about an item of team {team or 'none'}, which "
            f"{person.email} does not manage: its own manager decides it"
        )
