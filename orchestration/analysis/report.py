"""`crowdout report`: one self-contained HTML file that tells the 2018 story from the warehouse.

Self-contained means it opens offline and can be mailed: the charts are inlined as base64 PNGs and the
styles are inline, nothing is fetched when it renders. The same PNGs are written beside it for slides.
The data is read through one read-only connection and then the file is closed before any drawing starts.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.analysis import charts, reconcile
from orchestration.analysis.progress import Step, quiet
from orchestration.analysis.reader import reading, require_table

DISPLACEMENT = "marts.fct_displacement_district_month"
CHARGES = "marts.fct_prosecutions_by_charge_district_month"
CHART_COUNT = 5


@dataclass
class ReportData:
    displacement: pd.DataFrame
    drug_846_az: pd.DataFrame
    releases: pd.DataFrame
    warehouse: Path
    checks: pd.DataFrame | None = None  # marts.fct_published_figure_checks


def load(warehouse: Path, start: dt.date | None, end: dt.date | None) -> ReportData:
    window = "month BETWEEN coalesce($a, DATE '1900-01-01') AND coalesce($b, DATE '2999-12-01')"
    params = {"a": start, "b": end}
    with reading(warehouse) as con:
        require_table(con, DISPLACEMENT)
        require_table(con, CHARGES)
        disp = con.sql(f"SELECT * FROM {DISPLACEMENT} WHERE {window} ORDER BY geography, month",
                       params=params).df()
        drugs = con.sql(f"SELECT * FROM {CHARGES} WHERE district_code = 'AZ' AND statute = '21 USC 846' "
                        f"AND {window} ORDER BY series, month", params=params).df()
        ids = sorted({i for lst in disp["release_ids"] for i in (lst if lst is not None else [])}
                     | set(drugs.get("release_id", pd.Series(dtype=str)).dropna()))
        releases = con.sql("SELECT release_id, family, release_key, url, is_modelled FROM meta.releases "
                           "WHERE list_contains($ids, release_id) ORDER BY family, release_key",
                           params={"ids": ids}).df()
        require_table(con, reconcile.CHECKS)
        checks = reconcile.read_checks(con)
    for frame in (disp, drugs):
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
    if "baseline_month" in disp:
        disp["baseline_month"] = pd.to_datetime(disp["baseline_month"]).dt.date
    return ReportData(disp, drugs, releases, warehouse, checks)


def _published_points(column: str) -> list[tuple[dt.date, float]]:
    return [(f.month, f.published) for f in reconcile.SEED_ARTICLE if f.column == column and f.kind != "change"]


def build_charts(data: ReportData, step: Step = quiet) -> list[charts.Chart]:
    disp = data.displacement
    baseline = charts.baseline_month(disp)
    made = []
    for make in (
        lambda: charts.border_districts(disp),
        lambda: charts.non_immigration_share(disp, _published_points("non_immigration_share")),
        lambda: charts.cumulative_missing(disp),
        lambda: charts.cbp_vs_apprehensions(disp, {c: _published_points(c) for c in
                                                   ("cbp_referred_prosecutions", "bp_apprehensions")}),
        lambda: charts.drug_846_arizona(data.drug_846_az, baseline),
    ):
        made.append(make())
        step(made[-1].slug)
    return made


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} .meta{color:#555;font-size:.9em}
.banner{background:#fdecea;border:2px solid #b03a2e;color:#7b241c;padding:.8em 1em;border-radius:6px;margin:1em 0}
figure{margin:2em 0} figure img{width:100%;border:1px solid #ddd}
figcaption{color:#444;font-size:.92em} .tag{background:#b03a2e;color:#fff;border-radius:3px;padding:0 .35em;
font-size:.8em;margin-left:.4em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:1em 0} th,td{border-bottom:1px solid #ddd;
padding:.35em .5em;text-align:left;vertical-align:top} td.num{text-align:right;white-space:nowrap}
tr.modelled td{background:#fff4f2;font-style:italic} td.figure{width:34%} td.src{word-break:break-all;font-size:.8em} .ok{color:#1e8449} .off{color:#b03a2e}
"""


def _esc(text: object) -> str:
    return html.escape(str(text))


def _comparison_table(rows: list[reconcile.Comparison]) -> str:
    out = ["<table><thead><tr><th>figure</th><th>published</th><th>warehouse</th><th>difference</th>"
           "<th>agrees</th><th>agreement</th><th>source</th></tr></thead><tbody>"]
    for c in rows:
        f = c.figure
        agree = {True: '<span class="ok">yes</span>', False: '<span class="off">no</span>', None: "–"}[c.agrees]
        note = f"<br><small>{_esc(f.note)}</small>" if f.note else ""
        tag = '<span class="tag">modelled</span>' if c.modelled else ""
        agreement = _esc(c.agreement)
        if c.by_construction and c.independent is not None:
            agreement += (f"<br><small>the five districts' own sum: {reconcile.fmt(c.independent, f.kind)}"
                          f"{' (modelled)' if c.independent_modelled else ''}</small>")
        out.append(
            f'<tr class="{"modelled" if c.modelled else ""}"><td class="figure">{_esc(f.label)}{note}</td>'
            f'<td class="num">{reconcile.fmt(f.published, f.kind)}</td>'
            f'<td class="num">{reconcile.fmt(c.warehouse, f.kind)}{tag}</td>'
            f'<td class="num">{"" if c.difference is None else reconcile.fmt(c.difference, f.kind, signed=True)}</td>'
            f'<td>{agree}</td><td>{agreement}</td><td class="src"><a href="{_esc(f.url)}">{_esc(f.url)}</a></td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def _releases_table(releases: pd.DataFrame) -> str:
    """One row per family and basis: a refresh loads a release per page and month, too many to list."""
    out = ["<table><thead><tr><th>family</th><th>basis</th><th>releases</th><th>from</th><th>to</th>"
           "<th>example url</th></tr></thead><tbody>"]
    for (family, modelled), g in releases.groupby(["family", "is_modelled"], sort=True):
        keys = g["release_key"].sort_values()
        basis = '<span class="tag">modelled</span>' if modelled else "published"
        out.append(f"<tr><td>{_esc(family)}</td><td>{basis}</td><td class='num'>{len(g):,}</td>"
                   f"<td>{_esc(keys.iloc[0])}</td><td>{_esc(keys.iloc[-1])}</td>"
                   f"<td class='src'>{_esc(g['url'].iloc[0])}</td></tr>")
    out.append("</tbody></table><p class='meta'>Every release, with its landed file: "
               "<code>crowdout query \"SELECT * FROM meta.releases\"</code>.</p>")
    return "\n".join(out)


def render(data: ReportData, made: list[charts.Chart], pngs: dict[str, bytes]) -> str:
    disp = data.displacement
    sw = disp[disp["geography"] == "SW_BORDER"]
    comparisons = reconcile.compare(sw, checks=data.checks)
    baseline = charts.baseline_month(disp)
    n_modelled = int(disp["is_modelled"].fillna(False).sum())
    banner = ""
    if n_modelled or any(c.modelled for c in made):
        banner = (f'<div class="banner"><strong>Contains modelled figures.</strong> {n_modelled} of {len(disp)} '
                  "geography-months in this report are modelled (sample figures standing in for releases that "
                  "are not available here), not a publisher's numbers. They are labelled "
                  "<em>(modelled)</em>, drawn dashed with hollow markers or hatched, and shaded in tables."
                  "</div>")
    months = f"{disp['month'].min():%b %Y} to {disp['month'].max():%b %Y}" if len(disp) else "no months"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>crowdout: the 2018 story from the warehouse</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Immigration prosecutions crowding out the rest: 2018 on the southwest border</h1>",
        f'<p class="meta">From <code>{_esc(data.warehouse)}</code> · {months} · baseline '
        f'{"none" if baseline is None else f"{baseline:%b %Y}"} · generated '
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}</p>",
        banner,
        "<h2>The seed article's figures against the warehouse</h2>",
        "<p>TRAC reported that, as \u201czero tolerance\u201d filled the five border districts' dockets with "
        "illegal-entry cases, their other federal prosecutions fell from 1,093 in March 2018 to 703 in June. "
        "Each published figure below sits beside the warehouse's value for the same thing; an agreement "
        "\u201cby construction\u201d is a published figure the warehouse loaded as is, which proves nothing, so "
        "the five districts' own sum is given beside it. Every published figure is checked in "
        f"<code>{reconcile.CHECKS}</code>.</p>",
        _comparison_table(comparisons),
    ]
    for chart in made:
        b64 = base64.b64encode(pngs[chart.slug]).decode()
        tag = '<span class="tag">includes modelled figures</span>' if chart.modelled else ""
        parts.append(
            f'<figure id="{chart.slug}"><h2>{_esc(chart.title)}{tag}</h2>'
            f'<img src="data:image/png;base64,{b64}" alt="{_esc(chart.alt)}" title="{_esc(chart.title)}">'
            f"<figcaption>{_esc(chart.caption)}</figcaption></figure>")
    parts += ["<h2>Releases behind these numbers</h2>", _releases_table(data.releases), "</body></html>"]
    return "\n".join(p for p in parts if p)


def write(data: ReportData, output: Path, step: Step = quiet) -> tuple[Path, list[Path]]:
    """Draw, save the PNGs beside `output`, then write the HTML; returns both paths."""
    import matplotlib.pyplot as plt

    output.parent.mkdir(parents=True, exist_ok=True)
    made = build_charts(data, step)
    pngs, paths = {}, []
    for i, chart in enumerate(made, start=1):
        path = output.with_name(f"{output.stem}-{i:02d}-{chart.slug}.png")
        chart.figure.savefig(path, dpi=110)
        plt.close(chart.figure)
        pngs[chart.slug] = path.read_bytes()
        paths.append(path)
    output.write_text(render(data, made, pngs), encoding="utf-8")
    step("html")
    return output, paths
