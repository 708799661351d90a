"""The report as one self-contained HTML file: inline CSS and SVG charts, no script, no network.

It opens offline, prints cleanly (print CSS keeps tables and charts whole), and is small enough to
attach to an email. Deterministic: the same report gives the same bytes.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from reports import charts
from reports.assemble import SECTION_BY_KEY, Report
from reports.chart_svg import bar_svg, line_svg
from reports.display import Shown, shown
from reports.formats import fmt_month

CSS = """
:root { --ink:#212121; --muted:#607d8b; --line:#e0e0e0; --good:#2e7d32; --bad:#c62828; --accent:#1565c0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
       max-width: 1040px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 6px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 22px 0 4px; } .meta { color: var(--muted); margin: 0 0 16px; }
.summary { background: #f5f7fa; border-left: 4px solid var(--accent); padding: 12px 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0; }
.card { flex: 1 1 200px; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card b { display: block; font-size: 12px; color: var(--muted); font-weight: 600; }
.card span { font-size: 15px; } .met { color: var(--good); } .missed { color: var(--bad); }
ol.actions li { margin-bottom: 6px; } .intro { color: var(--muted); margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 4px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eceff1; font-weight: 600; } td.n, th.n { text-align: right; white-space: nowrap; }
tr.missed td:first-child { border-left: 3px solid var(--bad); } tr.met td:first-child { border-left: 3px solid var(--good); }
.more, .empty, .legend { color: var(--muted); font-size: 12px; margin: 2px 0 10px; }
blockquote { margin: 4px 0 4px 0; padding: 4px 12px; border-left: 3px solid #cfd8dc; color: #37474f; }
blockquote cite { display: block; color: var(--muted); font-size: 12px; font-style: normal; }
svg.chart { max-width: 760px; margin: 6px 0; display: block; } svg .ct { font-size: 13px; font-weight: 600; fill: var(--ink); }
svg .cl { font-size: 12px; fill: var(--ink); } svg .cn { font-size: 12px; fill: var(--ink); } svg .cs { font-size: 10px; fill: var(--muted); }
.advice { font-size: 13px; margin: 2px 0 8px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; } h2 { break-after: avoid; }
  table, svg.chart, blockquote, .card { break-inside: avoid; } tr { break-inside: avoid; }
  .summary { background: none; }
}
"""


def _table(data: Shown, status_col: str | None = None) -> str:
    if not data.rows:
        return '<p class="empty">Nothing this month.</p>'
    head = "".join(
        f'<th class="{"n" if c.numeric else ""}">{escape(c.header)}</th>' for c in data.columns
    )
    status_at = next((i for i, c in enumerate(data.columns) if c.name == status_col), None)
    body = []
    for row in data.rows:
        css = f' class="{escape(row[status_at])}"' if status_at is not None else ""
        cells = "".join(
            f'<td class="{"n" if c.numeric else ""}">{escape(v)}</td>'
            for c, v in zip(data.columns, row, strict=True)
        )
        body.append(f"<tr{css}>{cells}</tr>")
    more = (
        f'<p class="more">{data.left_out:,} more rows in the XLSX and CSV files.</p>'
        if data.left_out
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _section(report: Report, key: str, extra: str = "", status_col: str | None = None) -> str:
    section = SECTION_BY_KEY[key]
    return (
        f'<section id="{key}"><h3>{escape(section.title)}</h3><p class="intro">{escape(section.intro)}</p>'
        f"{extra}{_table(shown(report, key), status_col)}</section>"
    )


def _summary(report: Report) -> str:
    cards = "".join(
        f'<div class="card"><b>{escape(name)}</b><span class="{_status_class(value)}">{escape(value)}</span></div>'
        for name, value in report.key_numbers
    )
    actions = "".join(f"<li>{escape(a)}</li>" for a in report.summary.actions)
    improved = (
        "".join(f"<li>{escape(t)}</li>" for t in report.summary.improved)
        or "<li>Nothing moved up by a point or more.</li>"
    )
    worsened = (
        "".join(f"<li>{escape(t)}</li>" for t in report.summary.worsened)
        or "<li>Nothing moved down by a point or more.</li>"
    )
    return (
        f'<section id="summary"><h2>Summary</h2><p class="summary">{escape(report.summary.paragraph)}</p>'
        f'<div class="cards">{cards}</div>'
        f'<h3>Top three actions</h3><ol class="actions">{actions}</ol>'
        f"<h3>What improved</h3><ul>{improved}</ul><h3>What got worse</h3><ul>{worsened}</ul></section>"
    )


def _status_class(value: str) -> str:
    return "missed" if ", missed" in value else ("met" if ", met" in value else "")


def _quotes(report: Report) -> str:
    quotes = report.table("quotes")
    section = SECTION_BY_KEY["quotes"]
    if quotes.empty:
        return f'<section id="quotes"><h3>{escape(section.title)}</h3><p class="empty">No quotes this month.</p></section>'
    advice = report.table("pain_points").set_index("category")["advice"]
    parts = [
        f'<section id="quotes"><h3>{escape(section.title)}</h3><p class="intro">{escape(section.intro)}</p>'
    ]
    for category, rows in quotes.groupby("category", sort=False):
        parts.append(f"<h4>{escape(str(rows['name'].iloc[0]))}</h4>")
        tip = advice.get(category, "")
        if tip:
            parts.append(f'<p class="advice">Service: {escape(str(tip))}</p>')
        for row in rows.itertuples(index=False):  # at most three per category
            who = " · ".join(x for x in (str(row.company or ""), str(row.lead_id)) if x)
            parts.append(
                f"<blockquote>“{escape(str(row.quote))}”<cite>{escape(who)}</cite></blockquote>"
            )
    parts.append("</section>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """The whole report as one HTML document (a str; write it as UTF-8)."""
    frozen = " · month frozen" if report.frozen else ""
    scope = f" · team {escape(report.team_name or '')}" if report.team_id else ""
    meta = (
        f"Verdicts as of {escape(report.as_of_text)}{frozen}{scope} · "
        f"{report.new_customers:,} new customers · taxonomy {escape(Path(report.taxonomy_source).name)}"
    )
    body = [
        f'<header><h1>{escape(report.title)}</h1><p class="meta">{meta}</p></header>',
        _summary(report),
        "<h2>Handoff friction</h2>",
        bar_svg(charts.sla_chart(report)),
        _section(report, "sla_results", status_col="status"),
        f'<section id="trend"><h3>{escape(SECTION_BY_KEY["trend"].title)}</h3>{line_svg(charts.trend_chart(report))}'
        f"{_table(shown(report, 'trend'))}</section>",
        _section(report, "breaches_by_team", bar_svg(charts.team_chart(report))),
        _section(report, "breaches_by_rep"),
        _section(report, "routing_delay"),
        _section(report, "rejections"),
        _section(report, "leads_per_rep"),
        _section(report, "disputes"),
        _section(report, "credits"),
        "<h2>Customer friction</h2>",
        _section(report, "pain_points", bar_svg(charts.pain_chart(report))),
        _quotes(report),
        _section(report, "customer_briefs"),
        _section(report, "uncategorised"),
        _section(report, "new_tags"),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + f'<footer class="meta"><p>Handoff · {escape(fmt_month(report.month, long=True))} · '
        "the XLSX and CSV files carry every row.</p></footer></body></html>\n"
    )
