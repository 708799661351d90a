"""The review pack built from the store and the SLA engine, and drawn as HTML and PDF.

    pack = build_review_pack(store, config, as_of=now)
    files = render_review_pack(pack, ["html", "pdf"])   # file name -> bytes

`handoff report --review --out DIR` and the SLA settings page's download both come here.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

import pandas as pd
from fpdf import FontFace
from fpdf.enums import TableBordersLayout

from models.config import HandoffConfig, load_config, parse_config
from models.config_agreement import DEFAULT_REVIEW_EVERY_MONTHS, review_status
from models.errors import BadInputError
from models.store import Store
from models.time.months import months_through
from models.verdicts.service import evaluate_months, list_disputes
from reports.render_html import CSS
from reports.render_pdf import _heading, _para, _Pdf
from reports.review_pack import PackSection, ReviewPack, assemble_review_pack
from reports.runner import _handed_off, _month_bounds, last_full_month, report_timezone

REVIEW_FORMATS = ("html", "pdf")
PREVIEW_MONTHS = 3


def review_months(config: HandoffConfig, as_of: datetime) -> list[str]:
    """The months since the last review: from `reviewed_on`'s month to the last full month
    (the last 18 when no review is on record), oldest first; at least the last full month."""
    zone = report_timezone(config)
    last = last_full_month(as_of, zone)
    reviewed = config.agreement.reviewed_on if config.agreement else None
    if reviewed is None:
        return months_through(last, DEFAULT_REVIEW_EVERY_MONTHS)
    first = f"{reviewed.year:04d}-{reviewed.month:02d}"
    span = (pd.Period(last, freq="M") - pd.Period(first, freq="M")).n
    if span <= 0:
        return [last]
    return months_through(last, span + 1)


def proposed_config(config: HandoffConfig, today: date) -> tuple[HandoffConfig, list[str]]:
    """The SLA file as it would judge if every version still ahead of `today` were in force (its
    own id's other versions dropped), and the ids of the SLAs such a version changes."""
    ahead = [s for s in config.slas if s.effective_from > today]
    changed = list(dict.fromkeys(s.id for s in ahead))
    if not changed:
        return config, []
    data = json.loads(json.dumps(dict(config.raw), default=str))
    latest = {s.id: s for s in sorted(ahead, key=lambda s: s.effective_from)}
    slas = [s for s in data.get("sla", []) if s.get("id") not in changed]
    for sla_id in changed:
        raw = json.loads(json.dumps(dict(latest[sla_id].raw), default=str))
        raw["effective_from"] = "2000-01-01"
        slas.append(raw)
    data["sla"] = slas
    return parse_config(data, source=f"{config.source} (proposed)"), changed


def build_review_pack(
    store: Store, config: HandoffConfig | str | Path, *, as_of: datetime
) -> ReviewPack:
    """The pack as known at `as_of` (aware)."""
    if as_of.tzinfo is None:
        raise BadInputError(f"as_of {as_of!r} has no time zone; pass an aware instant")
    as_of = as_of.astimezone(UTC)
    config = load_config(config) if not isinstance(config, HandoffConfig) else config
    months = review_months(config, as_of)
    evaluations = evaluate_months(store, config, months, as_of=as_of, explain=False)
    recent = months[-PREVIEW_MONTHS:]
    proposal, changed = proposed_config(config, as_of.date())
    in_force = evaluations[-len(recent):]
    proposed = (
        evaluate_months(store, proposal, recent, as_of=as_of, explain=False) if changed else []
    )
    owners, teams = store.read_entity("owner"), store.read_entity("team")
    zone = next(
        (s.timezone for s in config.slas if s.kind == "lead_quota"), report_timezone(config)
    )
    start, _ = _month_bounds(months[0], zone)
    handed = pd.concat(
        [_handed_off(store, config, m, as_of, None, owners) for m in months], ignore_index=True
    )
    disputes = list_disputes(store)
    if not disputes.empty:
        raised = pd.to_datetime(disputes["raised_at"], utc=True)
        disputes = disputes[raised >= pd.Timestamp(start)]
    status = review_status(config.agreement, as_of.date())
    names = dict(zip(owners["owner_id"].astype(str), owners["name"].astype(str), strict=True))
    team_names = dict(zip(teams["team_id"].astype(str), teams["name"].astype(str), strict=True))
    return assemble_review_pack(
        as_of=as_of,
        reviewed_on=config.agreement.reviewed_on if config.agreement else None,
        status=status.sentence() if status else "The SLA file has no [agreement] table.",
        parties=config.agreement.parties if config.agreement else (),
        evaluations=evaluations,
        handed_off=handed,
        disputes=disputes,
        names=names,
        teams=team_names,
        in_force=in_force,
        proposed=proposed,
        changed=changed,
    )


def _html_table(section: PackSection) -> str:
    rows = section.rows()
    if not rows:
        return '<p class="empty">Nothing in this period.</p>'
    head = "".join(
        f'<th class="{"n" if c.numeric else ""}">{escape(c.header)}</th>' for c in section.columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if c.numeric else ""}">{escape(v)}</td>'
            for c, v in zip(section.columns, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_review_html(pack: ReviewPack) -> str:
    """One self-contained HTML page; every value escaped (CRM and people's text is never markup)."""
    parties = (
        f'<p class="meta">Parties: {escape(", ".join(pack.parties))}</p>' if pack.parties else ""
    )
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{escape(pack.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(pack.title)}</h1>",
        f'<p class="meta">Verdicts as of {pack.as_of:%Y-%m-%d %H:%M} UTC</p>',
        parties,
        f'<p class="summary">{escape(pack.opening)}</p>',
    ]
    for section in pack.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts.append(f'<p class="intro">{escape(section.intro)}</p>')
        parts.append(_html_table(section))
    parts.append("</body></html>")
    return "\n".join(parts)


def _pdf_table(pdf: _Pdf, section: PackSection) -> None:
    rows = section.rows()
    if not rows:
        _para(pdf, "Nothing in this period.", 8, color=(96, 125, 139))
        pdf.ln(2)
        return
    pdf.set_font(pdf.font_name, "", 7.5)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        text_align=tuple("RIGHT" if c.numeric else "LEFT" for c in section.columns),
        line_height=3.8,
        headings_style=FontFace(emphasis="BOLD", fill_color=(236, 239, 241)),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        padding=0.8,
        width=pdf.epw,
    ) as table:
        header = table.row()
        for column in section.columns:
            header.cell(pdf.clean(column.header))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(pdf.clean(value))
    pdf.ln(3)


def render_review_pdf(pack: ReviewPack) -> bytes:
    """The pack as an A4 PDF (fpdf2, like the friction report); deterministic."""
    pdf = _Pdf(pack.title)
    pdf.set_creation_date(pack.as_of)
    pdf.set_title(pdf.clean(pack.title))
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font(pdf.font_name, "B", 17)
    pdf.multi_cell(0, 8, pdf.clean(pack.title), new_x="LMARGIN", new_y="NEXT")
    _para(pdf, f"Verdicts as of {pack.as_of:%Y-%m-%d %H:%M} UTC", 8, color=(96, 125, 139))
    if pack.parties:
        _para(pdf, "Parties: " + ", ".join(pack.parties), 8, color=(96, 125, 139))
    pdf.ln(2)
    _para(pdf, pack.opening, 9.5)
    for section in pack.sections:
        _heading(pdf, section.title, 12)
        _para(pdf, section.intro, 7.5, color=(96, 125, 139))
        pdf.ln(1)
        _pdf_table(pdf, section)
    return bytes(pdf.output())


def render_review_pack(pack: ReviewPack, formats: list[str]) -> dict[str, bytes]:
    """File name -> bytes for each of `formats` (html, pdf)."""
    unknown = [f for f in formats if f not in REVIEW_FORMATS]
    if unknown or not formats:
        raise BadInputError(
            f"--format: the review pack is written as {' and '.join(REVIEW_FORMATS)}; "
            f"got {', '.join(unknown) or '(none)'}"
        )
    files: dict[str, bytes] = {}
    if "html" in formats:
        files[f"{pack.slug}.html"] = render_review_html(pack).encode("utf-8")
    if "pdf" in formats:
        files[f"{pack.slug}.pdf"] = render_review_pdf(pack)
    return files


def write_review_pack(
    store: Store, config: HandoffConfig | str | Path, out_dir: Path, formats: list[str],
    *, as_of: datetime,
) -> list[Path]:  # fmt: skip
    """Build the pack and write its files into `out_dir` (each written whole, then renamed)."""
    wanted = [f.strip().lower() for f in formats if f.strip()]
    files = render_review_pack(build_review_pack(store, config, as_of=as_of), wanted)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = out_dir / name
        partial = path.with_name(f".{name}.partial")
        partial.write_bytes(content)
        os.replace(partial, path)
        written.append(path)
    return written
