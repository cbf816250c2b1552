"""`crowdout report`: one self-contained HTML file that tells the 2018 story from the warehouse.

Self-contained means it opens offline and can be mailed: the charts are inlined as base64 PNGs, each
chart's data is a `data:` CSV link, and the styles are inline; nothing is fetched when it renders. The
same PNGs and CSVs are written beside it for slides and newsrooms, each PNG carrying its source line in
the image and in its metadata. The page is a Jinja2 template (package data, autoescaped). The data is
read through one read-only connection and then the file is closed before any drawing starts.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from orchestration.analysis import charts, counterfactuals, published, reconcile, revisions
from orchestration.analysis.progress import Step, quiet
from orchestration.analysis.publisher_url import local_path, publisher_url
from orchestration.analysis.reader import reading, require_table
from orchestration.config import Releases

DISPLACEMENT = "marts.fct_displacement_district_month"
CHARGES = "marts.fct_prosecutions_by_charge_district_month"
PROGRAMS = "marts.fct_displacement_by_program"
CHART_COUNT = 6
TEMPLATES = Environment(loader=PackageLoader("orchestration.analysis", "templates"),
                        autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


@dataclass
class ReportData:
    displacement: pd.DataFrame
    drug_846: pd.DataFrame  # national: TRAC publishes its lead-charge tables on national pages only
    releases: pd.DataFrame
    changes: pd.DataFrame  # each family's newest restating release: the figures it changed
    warehouse: Path
    checks: pd.DataFrame | None = None  # marts.fct_published_figure_checks: TRAC's published marks
    published_release: dict | None = None  # the trac-published-figures release the checks come from
    programs: pd.DataFrame = field(default_factory=pd.DataFrame)  # marts.fct_displacement_by_program


def load(warehouse: Path, start: dt.date | None, end: dt.date | None) -> ReportData:
    window = "month BETWEEN coalesce($a, DATE '1900-01-01') AND coalesce($b, DATE '2999-12-01')"
    params = {"a": start, "b": end}
    with reading(warehouse) as con:
        require_table(con, DISPLACEMENT)
        require_table(con, CHARGES)
        require_table(con, PROGRAMS)
        disp = con.sql(f"SELECT * FROM {DISPLACEMENT} WHERE {window} ORDER BY geography, month",
                       params=params).df()
        drugs = con.sql(f"SELECT * FROM {CHARGES} WHERE district_code IS NULL AND statute = '21 USC 846' "
                        f"AND {window} ORDER BY series, month", params=params).df()
        programs = con.sql(f"SELECT * FROM {PROGRAMS} WHERE {window} ORDER BY geography, program, month",
                           params=params).df()
        ids = sorted({i for lst in pd.concat([disp["release_ids"], programs["release_ids"]])
                      for i in (lst if lst is not None else [])}
                     | set(drugs.get("release_id", pd.Series(dtype=str)).dropna()))
        releases = con.sql("SELECT release_id, family, release_key, url, is_modelled, "
                           "coalesce(published_at, fetched_at) AS released_at, published_at IS NOT NULL AS dated "
                           "FROM meta.releases WHERE list_contains($ids, release_id) ORDER BY family, release_key",
                           params={"ids": ids}).df()
        require_table(con, reconcile.CHECKS)
        checks = reconcile.read_checks(con)
        curated = con.sql("SELECT release_key, coalesce(published_at, fetched_at) AS released_at, "
                          "published_at IS NOT NULL AS dated FROM meta.releases "
                          "WHERE family = 'trac-published-figures' AND status = 'loaded' "
                          "ORDER BY fetched_at DESC LIMIT 1").df().to_dict("records")
    for frame in (disp, drugs, programs):
        frame["month"] = pd.to_datetime(frame["month"]).dt.date
    for frame in (disp, programs):
        for column in ("baseline_month", "policy_start", "policy_end"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column]).dt.date
    return ReportData(disp, drugs, releases, _latest_changes(warehouse), warehouse, checks,
                      curated[0] if curated else None, programs)


def _latest_changes(warehouse: Path) -> pd.DataFrame:
    """The figures changed by each family's newest restating release ("since the last release")."""
    changed = revisions.load(warehouse).changed.to_pandas()
    if changed.empty:
        return changed
    newest = changed.sort_values("fetched_at").groupby("family")["release_id"].last()
    return changed[changed["release_id"].isin(newest)].sort_values(["family", "month", "figure"])


def provenance(data: ReportData, releases: Releases) -> charts.Provenance:
    """Each family's source line: its publisher (releases.toml), what was read and when it was released
    (the publisher's date where known, else when it was fetched)."""
    sources = {}
    for family, g in data.releases.groupby("family", sort=True):
        publisher = releases.families[family].publisher if family in releases.families else family
        name = releases.publishers[publisher].name if publisher in releases.publishers else publisher
        what = (", ".join(sorted(g["release_key"])) if len(g) <= 2
                else f"{len(g):,} releases, {key_ranges(g['release_key'])}")
        dates = pd.to_datetime(g["released_at"], utc=True)
        when = "released" if g["dated"].all() else "fetched"
        span = (f"{dates.min():%Y-%m-%d}" if dates.min().date() == dates.max().date()
                else f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}")
        sources[family] = f"{name} ({family}: {what}; {when} {span})"
    last = data.displacement["month"].max() if len(data.displacement) else None
    marks = {"CBP": published.CBP_SOURCE}
    curated = data.published_release
    if curated is not None:
        marks["TRAC"] = (f"TRAC's reports and press releases as curated in trac-published-figures "
                         f"({curated['release_key']}; {'released' if curated['dated'] else 'fetched'} "
                         f"{pd.Timestamp(curated['released_at']):%Y-%m-%d})")
    return charts.Provenance(sources, marks, last)


def build_charts(data: ReportData, releases: Releases, step: Step = quiet) -> list[charts.Chart]:
    disp = data.displacement
    baseline = charts.baseline_month(disp)
    marks = published.marks(data.checks)
    made = []
    for make in (
        lambda: charts.border_districts(disp),
        lambda: charts.non_immigration_share(disp, marks["non_immigration_share"]),
        lambda: charts.cumulative_missing(disp),
        lambda: charts.cbp_vs_apprehensions(disp, marks),
        lambda: charts.drug_846_national(data.drug_846, baseline),
        lambda: charts.programs_fell(data.programs),
    ):
        made.append(make())
        step(made[-1].slug)
    source = provenance(data, releases)
    for chart in made:
        charts.stamp(chart, source)
    return made


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} .meta{color:#555;font-size:.9em} .source{color:#333;font-size:.85em}
.banner{background:#fdecea;border:2px solid #b03a2e;color:#7b241c;padding:.8em 1em;border-radius:6px;margin:1em 0}
figure{margin:2em 0} figure img{width:100%;border:1px solid #ddd}
figcaption{color:#444;font-size:.92em} .tag{background:#b03a2e;color:#fff;border-radius:3px;padding:0 .35em;
font-size:.8em;margin-left:.4em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:1em 0} th,td{border-bottom:1px solid #ddd;
padding:.35em .5em;text-align:left;vertical-align:top} td.num{text-align:right;white-space:nowrap}
tr.modelled td{background:#fff4f2;font-style:italic} td.figure{width:34%} td.src{word-break:break-all;font-size:.8em}
.ok{color:#1e8449} .off{color:#b03a2e}
"""


def _comparisons(sw: pd.DataFrame, checks: pd.DataFrame | None) -> list[dict]:
    """The seed article's figures beside the warehouse's, each saying whether agreement is by construction
    (the published figure loaded as is, which proves nothing: the bulletins' own five-district sum goes beside it)
    or an independent check."""
    rows = []
    for c in reconcile.compare(sw, checks=checks):
        f = c.figure
        independent = None
        if c.by_construction and c.independent is not None:
            independent = reconcile.fmt(c.independent, f.kind) + (" (modelled)" if c.independent_modelled else "")
        rows.append({"label": f.label, "note": f.note, "url": f.url, "modelled": c.modelled, "agrees": c.agrees,
                     "agreement": c.agreement, "independent": independent,
                     "published": reconcile.fmt(f.published, f.kind),
                     "warehouse": reconcile.fmt(c.warehouse, f.kind),
                     "difference": "" if c.difference is None else reconcile.fmt(c.difference, f.kind, signed=True)})
    return rows


def _counterfactuals(disp: pd.DataFrame, geography: str = "SW_BORDER") -> dict | None:
    """The missing prosecutions of `geography` over the report's months in the policy window against each
    counterfactual (counterfactuals.missing_total, as `crowdout metrics`), so their spread is in view."""
    rows = disp[disp["geography"] == geography].sort_values("month").to_dict("records")
    span = counterfactuals.window_span(rows)
    if span is None:
        return None

    def count(value: float | None, signed: bool = False) -> str:
        return "–" if value is None else f"{value:+,.0f}" if signed else f"{value:,.0f}"

    inside = counterfactuals.window_rows(rows)
    # where the region keeps figures TRAC published and its real districts differ (another snapshot), its
    # totals are not the district chart's: say by how much (modelled districts are scaled, so add up)
    residuals = [r.get("non_immigration_prosecutions_residual") for r in inside]
    residual = sum(int(v) for v in residuals if v is not None and not pd.isna(v))
    months = sum(1 for v in residuals if v is not None and not pd.isna(v) and v != 0)
    residual_note = (f"In {months} of these months {geography} keeps the non-immigration figure TRAC published, "
                     f"which differs from its districts' own sum by {residual:+,} in all: the district chart "
                     f"adds up to {geography}'s totals less that." if months else "")
    return {"geography": geography, "span": f"{span[0]:%b %Y} to {span[1]:%b %Y}", "residual_note": residual_note,
            "window": f"{rows[0]['policy_start']:%b %Y} to {rows[0]['policy_end']:%b %Y}",
            "modelled": any(bool(r["is_modelled"]) for r in inside),
            "actual": count(counterfactuals.actual_total(rows)),
            "rows": [{"label": cf.label, "meaning": cf.meaning, "column": cf.cumulative,
                      "expected": count(counterfactuals.expected_total(rows, cf)),
                      "missing": count(counterfactuals.missing_total(rows, cf), signed=True)}
                     for cf in counterfactuals.COUNTERFACTUALS]}


def _releases(loaded: pd.DataFrame, releases: Releases) -> list[dict]:
    """One row per family and basis (a refresh loads a release per page and month, too many to list),
    with the publisher's URL of an example release and the local file it was read from."""
    rows = []
    for (family, modelled), g in loaded.groupby(["family", "is_modelled"], sort=True):
        url = g["url"].iloc[0]
        rows.append({"family": family, "modelled": bool(modelled), "count": f"{len(g):,}",
                     "span": key_ranges(g["release_key"]), "url": publisher_url(url, releases),
                     "local": local_path(url)})
    return rows


def key_ranges(keys) -> str:
    """Release keys as ranges by month, per series: a TRAC page's key is `<series>/<YYYY-MM>`, so 144 pages
    read "hsaa, immigration, jdea, overall: 2016-10 to 2019-09" (series with the same span share it), never
    "hsaa/2016-10 to overall/2019-09"; a key without a month is listed as it is."""
    months: dict[str, list[str]] = {}
    others = []
    for key in sorted(set(keys)):
        series, _, month = key.rpartition("/")
        if series and re.fullmatch(r"\d{4}-\d{2}", month):
            months.setdefault(series, []).append(month)
        else:
            others.append(key)
    spans: dict[str, list[str]] = {}
    for series, ms in months.items():
        span = ms[0] if ms[0] == ms[-1] else f"{ms[0]} to {ms[-1]}"
        spans.setdefault(span, []).append(series)
    return "; ".join([f"{', '.join(series)}: {span}" for span, series in spans.items()] + others)


def _changes(changes: pd.DataFrame) -> list[dict]:
    return [{"family": r.family, "fetched": f"{r.fetched_at:%Y-%m-%d}", "month": f"{r.month:%Y-%m}",
             "figure": r.figure, "previous": f"{r.previous:,}", "current": f"{r.current:,}",
             "change": f"{r.change:+,}" + ("" if pd.isna(r.pct_change) else f" ({r.pct_change:+.1%})"),
             "is_modelled": bool(r.is_modelled)} for r in changes.itertuples()]


def render(data: ReportData, releases: Releases, made: list[charts.Chart], pngs: dict[str, bytes],
           csvs: dict[str, tuple[str, str]]) -> str:
    """The page; `csvs` maps each chart's slug to its CSV's file name and text."""
    disp = data.displacement
    baseline = charts.baseline_month(disp)
    districts = disp[disp.get("geography_type", pd.Series(dtype=str)) == "district"]
    source = provenance(data, releases)
    return TEMPLATES.get_template("report.html.j2").render(
        css=CSS,
        warehouse=data.warehouse,
        months=f"{disp['month'].min():%b %Y} to {disp['month'].max():%b %Y}" if len(disp) else "no months",
        baseline="none" if baseline is None else f"{baseline:%b %Y}",
        generated=f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        source="Sources: " + "; ".join(source.sources.values()) + ".",
        modelled_rows=int(disp["is_modelled"].fillna(False).sum()),
        total_rows=len(disp),
        modelled_district_rows=int(districts["prosecutions_is_modelled"].fillna(True).sum()) if len(districts) else 0,
        district_rows=len(districts),
        comparisons=_comparisons(disp[disp["geography"] == "SW_BORDER"], data.checks),
        checks_mart=reconcile.CHECKS,
        counterfactuals=_counterfactuals(disp),
        charts=[{"slug": c.slug, "title": c.title, "alt": c.alt, "caption": c.caption, "modelled": c.modelled,
                 "source": c.metadata["Source"], "png": base64.b64encode(pngs[c.slug]).decode(),
                 "csv_name": csvs[c.slug][0], "csv": base64.b64encode(csvs[c.slug][1].encode()).decode()}
                for c in made],
        changes=_changes(data.changes),
        releases=_releases(data.releases, releases),
    )


def write(data: ReportData, output: Path, releases: Releases, step: Step = quiet) -> tuple[Path, list[Path]]:
    """Draw, save the PNGs (with their metadata) and CSVs beside `output`, then write the HTML; returns the
    HTML's path and the PNGs'. `releases` (releases.toml) names each family's publisher."""
    import matplotlib.pyplot as plt

    output.parent.mkdir(parents=True, exist_ok=True)
    made = build_charts(data, releases, step)
    pngs, csvs, paths = {}, {}, []
    for i, chart in enumerate(made, start=1):
        path = output.with_name(f"{output.stem}-{i:02d}-{chart.slug}.png")
        chart.figure.savefig(path, dpi=110, metadata=chart.metadata)
        plt.close(chart.figure)
        pngs[chart.slug] = path.read_bytes()
        csv = path.with_suffix(".csv")
        csvs[chart.slug] = (csv.name, chart.data.to_csv(index=False))
        csv.write_text(csvs[chart.slug][1], encoding="utf-8")
        paths.append(path)
    output.write_text(render(data, releases, made, pngs, csvs), encoding="utf-8")
    step("html")
    return output, paths
