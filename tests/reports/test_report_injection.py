"""CRM and people's text in the report is never markup or a formula: a company named
`**x](https://evil.example)` and a rejection reason `=HYPERLINK(...)` in every format."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
from pypdf import PdfReader
from report_builders import MONTH, NOW

from models.engine import columns as E
from models.settings import DEFAULT_CONFIG_PATH
from models.store import Store
from models.verdicts.service import evaluate_month, raise_dispute
from reports.cells import neutralise
from reports.render_csv import render_csv, render_csv_zip
from reports.render_html import render_html
from reports.render_pdf import render_pdf
from reports.render_xlsx import render_xlsx
from reports.runner import build_report

EVIL_COMPANY = "**x](https://evil.example)<img src=https://evil.example/p.gif>"
EVIL_REASON = '=HYPERLINK("https://evil.example","Approved")'


def _poison(store: Store) -> None:
    deals = store.read_entity("deal")
    leads = store.read_entity("lead")
    won = leads["lead_id"].isin(deals["lead_id"])
    leads.loc[won, "company"] = EVIL_COMPANY
    rejected = leads["rejected_at"].notna()
    leads.loc[rejected, "rejection_reason"] = EVIL_REASON
    store.upsert_frame("lead", leads)
    items = evaluate_month(store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW).sla("first-touch").items
    breached = items[items[E.STATE] == E.BREACHED].iloc[0][E.ITEM_ID]
    raise_dispute(store, DEFAULT_CONFIG_PATH, "first-touch", breached, EVIL_REASON, as_of=NOW)


def test_neutralise_follows_owasp() -> None:
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("Acme") == "Acme" and neutralise(-1.5) == -1.5


def test_every_report_format_keeps_crm_text_inert(demo_store: Store) -> None:
    _poison(demo_store)
    report = build_report(demo_store, DEFAULT_CONFIG_PATH, MONTH, as_of=NOW)

    files = render_csv(report)
    cells = [
        str(value)
        for text in files.values()
        for value in pd.read_csv(io.StringIO(text), dtype=str).to_numpy().ravel()
        if isinstance(value, str)
    ]
    assert any(EVIL_REASON in c for c in cells), "the reason is reported"
    assert not [c for c in cells if c.startswith(("=", "+", "@"))], "no cell runs as a formula"
    assert f"'{EVIL_REASON}" in cells
    with zipfile.ZipFile(io.BytesIO(render_csv_zip(report))) as archive:
        assert all(archive.read(n).decode() == files[n] for n in archive.namelist())

    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    values = [
        c.value
        for sheet in book
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert f"'{EVIL_REASON}" in values
    assert not [v for v in values if v.startswith(("=", "+", "@"))]

    page = render_html(report)
    assert "evil.example" in page, "the text is shown"
    assert "<img src=https://evil" not in page and 'href="https://evil' not in page
    assert "&lt;img src=https://evil.example/p.gif&gt;" in page or "**x]" in page

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(report))).pages)
    assert "HYPERLINK" in text, "the PDF shows the reason as the words it is"
