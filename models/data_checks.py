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
    return [
        BACKDATED_DEAL.format(
            deal_id=row.deal_id,
            lead_id=row.lead_id,
            closed=pd.Timestamp(row.closed_won_at).strftime("%Y-%m-%d %H:%M UTC"),
            created=pd.Timestamp(row.created_at).strftime("%Y-%m-%d %H:%M UTC"),
        )
        for row in deals.itertuples(index=False)
    ]
