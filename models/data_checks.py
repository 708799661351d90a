"""Data a CRM really records that looks wrong: accepted, and shown with a warning (pure).

Refused at import instead (`connectors.csv_validate`): placeholder years such as 0001 or 9999,
and a lead handed off before it was created. Accepted with a warning (here): a deal closed won
before its lead was created. CRMs let people backdate a deal's close date, and a contact is often
created after the deal when the buyer is added later; the service clock still starts at the close.
"""

from __future__ import annotations

import pandas as pd

BACKDATED_DEAL = (
    "deal {deal_id}: closed won {closed} before its lead {lead_id} was created {created}; "
    "kept (CRMs allow a backdated close date), its service clock starts at the close date. "
    "Correct the close date in the CRM if it is a typo."
)


def backdated_deal_warnings(deals: pd.DataFrame) -> list[str]:
    """One sentence per deal of `Store.read_deals_won_before_their_lead` (times in UTC)."""
    closed = pd.to_datetime(deals["closed_won_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
    created = pd.to_datetime(deals["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
    return [
        BACKDATED_DEAL.format(deal_id=deal, lead_id=lead, closed=won, created=made)
        for deal, lead, won, made in zip(
            deals["deal_id"], deals["lead_id"], closed, created, strict=True
        )
    ]
