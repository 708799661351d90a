"""Customer-friction tables: pain points by category, quotes, and a brief per new customer.

"New customers" are the month's closed-won deals (the items of the service first-contact SLA, so
the report and `handoff evaluate` agree on who they are). Their pain points come from what they
told sales: the bodies of notes and calls on their leads. Pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.friction import Taxonomy, match_pain_points, uncategorised, unknown_tags

QUOTES_PER_CATEGORY = 3
CUSTOMER_COLUMNS = ["deal_id", "lead_id", "company", "closed_won_at", "amount", "owner_id"]


def pain_points(
    matches: pd.DataFrame,
    previous_matches: pd.DataFrame,
    customers: int,
    previous_customers: int,
    taxonomy: Taxonomy,
) -> pd.DataFrame:
    """Per category: customers raising it, mentions, share of new customers, change from last month.

    Every taxonomy category gets a row (zero when nobody raised it) so the month-to-month change
    of a category that went quiet is visible.
    """
    slugs = [c.slug for c in taxonomy.categories]
    now = (
        matches.groupby("category")["lead_id"].agg(["nunique", "size"])
        if not matches.empty
        else None
    )
    before = (
        previous_matches.groupby("category")["lead_id"].nunique()
        if not previous_matches.empty
        else None
    )
    table = pd.DataFrame({"category": slugs})
    table["name"] = [c.name for c in taxonomy.categories]
    table["customers"] = (
        table["category"].map(now["nunique"] if now is not None else {}).fillna(0).astype(int)
    )
    table["mentions"] = (
        table["category"].map(now["size"] if now is not None else {}).fillna(0).astype(int)
    )
    table["share_pct"] = (100.0 * table["customers"] / customers).round(1) if customers else 0.0
    table["previous_customers"] = (
        table["category"].map(before if before is not None else {}).fillna(0).astype(int)
    )
    table["previous_share_pct"] = (
        (100.0 * table["previous_customers"] / previous_customers).round(1)
        if previous_customers
        else float("nan")
    )
    table["change"] = table["customers"] - table["previous_customers"]
    # Months differ in size: the share of new customers is the fair month-to-month comparison.
    table["share_change_pts"] = (table["share_pct"] - table["previous_share_pct"]).round(1)
    table["advice"] = [c.advice for c in taxonomy.categories]
    return table.sort_values(
        ["customers", "mentions", "category"], ascending=[False, False, True], ignore_index=True
    )


def quotes(matches: pd.DataFrame, customers: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """A few verbatim quotes per category: distinct sentences, newest first, one per customer."""
    columns = ["category", "name", "company", "lead_id", "occurred_at", "quote", "full_text"]
    if matches.empty:
        return pd.DataFrame(columns=columns)
    picked = matches.sort_values(
        ["category", "occurred_at", "activity_id"], ascending=[True, False, True]
    )
    picked = picked.drop_duplicates(["category", "quote"]).drop_duplicates(["category", "lead_id"])
    picked = picked.groupby("category", sort=False).head(QUOTES_PER_CATEGORY)
    picked = picked.merge(
        customers[["lead_id", "company"]].drop_duplicates("lead_id"), on="lead_id", how="left"
    )
    picked["name"] = picked["category"].map({c.slug: c.name for c in taxonomy.categories})
    order = {c.slug: i for i, c in enumerate(taxonomy.categories)}
    picked["_order"] = picked["category"].map(order)
    return picked.sort_values(
        ["_order", "occurred_at"], ascending=[True, False], ignore_index=True
    )[columns]


def customer_briefs(
    customers: pd.DataFrame,
    matches: pd.DataFrame,
    service_items: pd.DataFrame,
    owners: pd.DataFrame,
    taxonomy: Taxonomy,
) -> pd.DataFrame:
    """One row per new customer: what service should know before its first contact.

    Customers with most pain points first; the service SLA's state shows who is still waiting.
    """
    columns = [
        "deal_id",
        "lead_id",
        "company",
        "closed_won_at",
        "amount",
        "sales_owner",
        "service_owner",
        "service_state",
        "pain_point_count",
        "pain_points",
        "quote",
    ]
    if customers.empty:
        return pd.DataFrame(columns=columns)
    briefs = customers.drop_duplicates("deal_id").copy()
    owner_names = (
        owners.drop_duplicates("owner_id").set_index("owner_id")["name"]
        if not owners.empty
        else pd.Series(dtype=object)
    )
    briefs["sales_owner"] = briefs["owner_id"].map(owner_names)
    if not service_items.empty:
        # The customer is the service side's (SPEC section 3); the sales rep is who closed it.
        by_deal = service_items.drop_duplicates("deal_id").set_index("deal_id")
        briefs["service_state"] = briefs["deal_id"].map(by_deal["state"])
        service_owner = briefs["deal_id"].map(by_deal["owner_id"])
        briefs["service_owner"] = service_owner.map(owner_names).fillna(service_owner)
        briefs.loc[service_owner.isna(), "service_owner"] = "(service queue)"
        closer = briefs["deal_id"].map(by_deal["closed_by_owner_id"])
        briefs["sales_owner"] = closer.map(owner_names).fillna(closer).fillna(briefs["sales_owner"])
    else:
        briefs["service_state"] = None
        briefs["service_owner"] = None
    if matches.empty:
        briefs["pain_point_count"] = 0
        briefs["pain_points"] = ""
        briefs["quote"] = ""
    else:
        names = {c.slug: c.name for c in taxonomy.categories}
        order = {c.slug: i for i, c in enumerate(taxonomy.categories)}
        per_lead = matches.assign(
            _name=matches["category"].map(names), _order=matches["category"].map(order)
        )
        per_lead = per_lead.sort_values(
            ["lead_id", "_order", "occurred_at"], ascending=[True, True, False]
        )
        distinct = per_lead.drop_duplicates(["lead_id", "category"])
        listed = _joined_per_lead(distinct)
        counted = distinct.groupby("lead_id").size()
        first_quote = (
            per_lead.sort_values(["lead_id", "occurred_at"], ascending=[True, False])
            .drop_duplicates("lead_id")
            .set_index("lead_id")["quote"]
        )
        briefs["pain_point_count"] = briefs["lead_id"].map(counted).fillna(0).astype(int)
        briefs["pain_points"] = briefs["lead_id"].map(listed).fillna("")
        briefs["quote"] = briefs["lead_id"].map(first_quote).fillna("")
    briefs = briefs.sort_values(
        ["pain_point_count", "closed_won_at", "deal_id"],
        ascending=[False, True, True],
        ignore_index=True,
    )
    return briefs.reindex(columns=columns)


def _joined_per_lead(distinct: pd.DataFrame) -> pd.Series:
    """Per lead: its category names joined by "; ", in the frame's order (rows sorted by lead, so
    each lead's rows are together). Sliced per lead, not a pandas aggregation per group (~9k
    new customers a month at 100k leads)."""
    known = distinct[distinct["lead_id"].notna()]
    leads = known["lead_id"].to_numpy(dtype=object)
    names = known["_name"].to_numpy(dtype=object)
    if not len(leads):
        return pd.Series(dtype=object)
    starts = np.flatnonzero(np.r_[True, leads[1:] != leads[:-1]])
    ends = np.r_[starts[1:], len(leads)]
    joined = ["; ".join(names[a:b]) for a, b in zip(starts, ends, strict=True)]
    return pd.Series(joined, index=leads[starts], dtype=object)


def customer_friction(
    customers: pd.DataFrame,
    notes: pd.DataFrame,
    previous_notes: pd.DataFrame,
    previous_customers: int,
    service_items: pd.DataFrame,
    owners: pd.DataFrame,
    taxonomy: Taxonomy,
) -> dict[str, pd.DataFrame]:
    """All customer-friction tables at once (they share the matching work)."""
    matches = match_pain_points(notes, taxonomy)
    previous = match_pain_points(previous_notes, taxonomy, quotes=False)
    count = int(customers["deal_id"].nunique()) if not customers.empty else 0
    return {
        "pain_points": pain_points(matches, previous, count, previous_customers, taxonomy),
        "quotes": quotes(matches, customers, taxonomy),
        "customer_briefs": customer_briefs(customers, matches, service_items, owners, taxonomy),
        "uncategorised": uncategorised(notes, matches),
        "new_tags": unknown_tags(notes, taxonomy),
        "_matches": matches,
    }
