"""`crowdout report`: every chart embedded, modelled series visibly marked, the seed figures sourced."""

from __future__ import annotations

import base64
import csv
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from orchestration import cli
from orchestration.analysis import charts, published, reconcile
from orchestration.analysis import report as report_module
from orchestration.config import RELEASES_TOML, read_releases
from tests.support import sample_warehouse

# TRAC's published figures as the project keeps them (the trac-published-figures release, with provenance)
PUBLISHED_FIGURES = Path(__file__).resolve().parents[2] / "orchestration" / "published" / "trac_published_figures.csv"
TITLES = [
    "Immigration and non-immigration prosecutions by month, five border districts",
    "Non-immigration share of all federal prosecutions",
    "Cumulative missing non-immigration prosecutions over the policy window",
    "CBP-referred prosecutions against Border Patrol apprehensions, SW border",
    "Drug conspiracy prosecutions (21 USC 846), nationwide",
    "Which prosecutions fell: programs side by side, US",
]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.links, self.external, self.classes, self.text = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.classes.append(a.get("class", ""))
        if tag == "img":
            self.imgs.append(a)
        if tag == "a":
            self.links.append(a["href"])
        if tag in ("script", "link", "iframe") or (a.get("src", "").startswith("http")):
            self.external.append((tag, a))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def report(_built, tmp_path_factory):
    """Drawn once for the module: the charts take a few seconds."""
    out = tmp_path_factory.mktemp("report") / "r.html"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROWDOUT_WAREHOUSE", str(_built))
        assert cli.main(["report", "--output", str(out)]) == 0
    page = Page()
    page.feed(out.read_text())
    return out, page


def test_every_chart_is_embedded_with_its_title(report):
    out, page = report
    pngs = [i for i in page.imgs if i["src"].startswith("data:image/png;base64,")]
    assert [i["title"] for i in pngs] == TITLES
    assert all(i["alt"] for i in pngs)
    for img in pngs:
        assert base64.b64decode(img["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    beside = sorted(out.parent.glob("r-*.png"))
    assert len(beside) == len(TITLES) and all(p.stat().st_size > 10_000 for p in beside)


def test_self_contained(report):
    _, page = report
    assert page.external == []


def test_modelled_banner_and_tags(report):
    _, page = report
    text = " ".join(page.text)
    assert "Contains modelled figures." in text and "banner" in page.classes
    assert text.count("includes modelled figures") >= 4  # all but nothing-modelled charts in the sample


def test_seed_figures_with_sources(report):
    _, page = report
    text = " ".join(page.text)
    for f in reconcile.SEED_ARTICLE:
        assert f.label in text and f.url in page.links
        assert reconcile.fmt(f.published, f.kind) in text


def test_no_warehouse_says_run_refresh(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "none.duckdb"))
    assert cli.main(["report", "--output", str(tmp_path / "r.html")]) == 1
    assert "crowdout refresh" in capsys.readouterr().err


def test_modelled_segments_are_dashed_and_labelled():
    fig, ax = plt.subplots()
    months = [dt.date(2018, m, 1) for m in range(1, 6)]
    assert charts.plot_series(ax, months, [1, 2, 3, 4, 5], [False, False, False, True, True], "AZ", "red")
    assert any(ln.get_linestyle() == "-" for ln in ax.get_lines() if ln.get_label() == "_")
    assert any(ln.get_linestyle() == "--" for ln in ax.get_lines() if ln.get_label() == "_")
    # the legend: the series once, and the modelled style's key once, not "AZ" and "AZ (modelled)"
    assert charts.plot_series(ax, months, [2, 3, 4, 5, 6], [False, False, False, True, True], "NM", "blue")
    assert sorted(t.get_text() for t in ax.legend().get_texts()) == ["AZ", "NM", charts.MODELLED_KEY]
    fig2, ax2 = plt.subplots()
    assert not charts.plot_series(ax2, months, [1, 2, 3, 4, 5], [False] * 5, "AZ", "red")
    assert [t.get_text() for t in ax2.legend().get_texts()] == ["AZ"]
    plt.close(fig)
    plt.close(fig2)


def test_a_legend_names_only_what_is_drawn():
    """A series with no value (CBP-referred prosecutions in months TRAC printed none) is not in the legend,
    and a modelled flag on a missing value draws no modelled style."""
    fig, ax = plt.subplots()
    months = [dt.date(2018, m, 1) for m in range(1, 4)]
    assert not charts.plot_series(ax, months, [None, None, None], [True, True, True], "CBP-referred", "red")
    assert not ax.get_legend_handles_labels()[1]
    plt.close(fig)


def test_modelled_bars_are_hatched():
    charges = pd.DataFrame({"series": "all", "month": [dt.date(2018, m, 1) for m in (1, 2, 3)],
                            "prosecutions": [90, 80, 70], "is_modelled": [False, False, True]})
    chart = charts.drug_846_national(charges, dt.date(2018, 3, 1))
    ax = chart.figure.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert chart.modelled and len(hatched) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lead charge in TRAC's 'all' series",
                                                                  "modelled (hatched)"]
    plt.close(chart.figure)


def test_comparison_recomputes_changes_from_the_two_months():
    sw = pd.DataFrame({"month": [reconcile.MAR, reconcile.JUN], "non_immigration_prosecutions": [1093, 703],
                       "total_prosecutions": [7800, 11700],
                       "non_immigration_share": [0.14, 0.06], "cbp_referred_prosecutions": [6368, 11086],
                       "bp_apprehensions": [37390, 34090], "is_modelled": [False, True],
                       "non_immigration_prosecutions_basis": ["published", "modelled"],
                       "total_prosecutions_basis": ["derived", "modelled"],
                       "cbp_referred_prosecutions_basis": ["published", "published"],
                       "bp_apprehensions_basis": ["derived", "derived"]})
    by_label = {c.figure.label: c for c in reconcile.compare(sw)}
    change = by_label["Change in non-immigration prosecutions, Mar to Jun 2018"]
    assert change.agrees and change.modelled and abs(change.warehouse - (703 / 1093 - 1)) < 1e-12
    june_bp = by_label["Border Patrol apprehensions, SW border, Jun 2018"]
    assert june_bp.agrees and not june_bp.modelled  # OHSS rounds to 10; a real release beside modelled TRAC
    # TRAC's figures are the checks mart's verdicts: without the mart they are not recomputed here
    assert by_label["Non-immigration share of all prosecutions, Jun 2018 (one in seventeen)"].warehouse is None
    assert by_label["Non-immigration prosecutions, 5 SW districts, Mar 2018"].warehouse is None
    missing = reconcile.compare(sw.iloc[:1])
    assert all(c.warehouse is None for c in missing if c.figure.month == reconcile.JUN)


def test_an_agreement_with_a_figure_loaded_as_is_says_so():
    """A published figure the warehouse loaded as is agrees by construction; the districts' own sum is the
    independent check, taken from the checks mart; a derived figure's agreement is independent."""
    sw = pd.DataFrame({"month": [reconcile.MAR], "non_immigration_prosecutions": [1093],
                       "bp_apprehensions": [37390], "is_modelled": [True],
                       "non_immigration_prosecutions_basis": ["published"], "bp_apprehensions_basis": ["derived"]})
    checks = pd.DataFrame({"geography": ["SW_BORDER"] * 2, "series": ["non_immigration", "non_immigration_share"],
                           "period_start": [reconcile.MAR] * 2, "period_end": [reconcile.MAR] * 2,
                           "published_value": [1093.0, 14.0], "unit": ["defendants", "percent"],
                           "warehouse_value": [1093.0, 14.18], "agreement": ["by_construction", "independent"],
                           "warehouse_basis": ["published", "modelled_scaled_to_published"],
                           "independent_value": [1083.0, 14.06], "independent_basis": ["modelled", "modelled"]})
    by_label = {c.figure.label: c for c in reconcile.compare(sw, checks=checks)}
    non_imm = by_label["Non-immigration prosecutions, 5 SW districts, Mar 2018"]
    assert non_imm.agrees and non_imm.by_construction and non_imm.agreement.startswith("by construction")
    assert (non_imm.independent, non_imm.independent_modelled) == (1083.0, True)
    # TRAC's percent against the warehouse's share, converted: 14.18% is 0.1418, within 0.5 pp of 14%
    share = by_label["Non-immigration share of all prosecutions, Mar 2018 (one in seven)"]
    assert share.agreement == "independent" and share.modelled and share.agrees
    assert share.warehouse == pytest.approx(0.1418) and share.figure.published == pytest.approx(0.14)
    bp = by_label["Border Patrol apprehensions, SW border, Mar 2018"]
    assert bp.agreement == "independent" and bp.independent is None


def test_an_unknown_measure_basis_counts_as_modelled():
    sw = pd.DataFrame({"month": [reconcile.JUN], "bp_apprehensions": [34090], "is_modelled": [False],
                       "bp_apprehensions_basis": [None]})
    (bp,) = [c for c in reconcile.compare(sw) if c.figure.column == "bp_apprehensions" and c.warehouse]
    assert bp.modelled


def test_each_series_is_drawn_on_its_own_measure_basis():
    """The sample's prosecutions are modelled from July 2018, its apprehensions (a real OHSS release) never:
    the apprehensions panel is solid and unlabelled, the prosecutions and per-apprehension panels are not."""
    chart = charts.cbp_vs_apprehensions(sample_warehouse.displacement_frame(), {})
    prosecutions, apprehensions, per_apprehension = chart.figure.axes
    for ax, modelled in ((prosecutions, True), (apprehensions, False), (per_apprehension, True)):
        labels = [ln.get_label() for ln in ax.get_lines()]
        assert (charts.MODELLED_KEY in labels) is modelled, labels
        assert any(ln.get_linestyle() == "--" for ln in ax.get_lines()) is modelled
    assert chart.modelled
    plt.close(chart.figure)


def test_seed_figures_match_the_transcribed_reference():
    with PUBLISHED_FIGURES.open() as fh:
        ref = {(r["series"], r["period"]): r for r in csv.DictReader(fh) if r["geography"].startswith("5 SW")}
    for f in reconcile.SEED_ARTICLE:
        row = ref.get((f.column, f"{f.month:%Y-%m}"))
        if f.kind == "change" or row is None:
            continue
        published = float(row["value"]) / (100 if row["unit"] == "percent" else 1)
        assert f.published == pytest.approx(published) and f.url == row["source_url"], f.label


def test_every_png_carries_its_source_line_in_its_metadata_and_the_html(report):
    """A PNG lifted out of the report still says where its figures come from, how far they reach and on
    what basis; the page shows the same line under each chart."""
    from PIL import Image

    out, page = report
    text = " ".join(" ".join(page.text).split())
    for png in sorted(out.parent.glob("r-*.png")):
        info = Image.open(png).text
        source = info["Source"]
        assert source.startswith("Source: TRAC (Transactional Records Access Clearinghouse) (trac-bulletin: 1 release") or \
            source.startswith("Source: TRAC (Transactional Records Access Clearinghouse) (trac-bulletin: immigration/monthlyjun18")
        assert "Data through Mar 2019." in source  # the sample warehouse's last month
        assert "Basis: includes modelled figures" in source or "Basis: publishers' figures" in source
        assert info["Title"] in TITLES and source in text
    apprehensions = Image.open(out.parent / "r-04-cbp-vs-apprehensions.png").text["Source"]
    assert "DHS Office of Homeland Security Statistics (ohss-usbp: fy25m11; fetched 2026-01-05)" in apprehensions
    assert "CBP, U.S. Border Patrol Monthly Apprehensions" in apprehensions  # the published marks' source


def test_each_charts_data_is_a_csv_beside_it_and_in_the_page(report):
    out, page = report
    csv_links = [a for a in page.links if a.startswith("data:text/csv;base64,")]
    assert len(csv_links) == len(TITLES)
    beside = sorted(out.parent.glob("r-*.csv"))
    assert [p.stem for p in beside] == [p.stem for p in sorted(out.parent.glob("r-*.png"))]
    share = pd.read_csv(out.parent / "r-02-non-immigration-share.csv")
    assert set(share["geography"]) == {"SW_BORDER", "NON_BORDER"}
    assert {"month", "non_immigration_share", "non_immigration_share_is_modelled"} <= set(share.columns)
    assert base64.b64decode(csv_links[1].split(",", 1)[1]).decode() == (
        out.parent / "r-02-non-immigration-share.csv").read_text()


def test_chart_titles_are_not_repeated_as_headings(report):
    out, _ = report
    html = out.read_text()
    for title in TITLES:
        assert f">{title}<" not in html  # only in the image and its title attribute


def test_modelled_districts_are_said_before_any_district_comparison(report):
    out, _ = report
    html = out.read_text()
    assert "District figures are modelled." in html
    assert html.index("District figures are modelled.") < html.index('id="border-districts"')


def test_footnotes_name_only_the_marks_drawn():
    disp = sample_warehouse.displacement_frame()
    lines = charts.border_districts(disp)
    assert "Dashed lines and hollow markers" in lines.notes and "Hatched" not in lines.notes
    assert "diamonds" not in lines.notes
    published = charts.drug_846_national(pd.DataFrame({"series": "all", "month": [dt.date(2018, 1, 1)],
                                                      "prosecutions": [9], "is_modelled": [False]}), None)
    assert published.notes == "Shaded: \u201czero tolerance\u201d (6 Apr \u2013 20 Jun 2018)."
    for chart in (lines, published):
        plt.close(chart.figure)


def test_share_chart_draws_border_and_rest_on_their_own_scales():
    chart = charts.non_immigration_share(sample_warehouse.displacement_frame(), [])
    border, rest = chart.figure.axes
    assert border.get_ylim()[1] < 0.5 and rest.get_ylim()[0] > 0.5  # neither squashed by the other
    plt.close(chart.figure)


def test_every_published_figure_in_range_is_drawn(warehouse):
    """Every SW_BORDER monthly figure TRAC published (read from the checks mart, the curated release's one
    home) and every CBP monthly apprehension inside the chart's months is a published mark, January, April and
    May 2018's CBP-referred sums included; each chart's footnote and source name only the publishers drawn."""
    data = report_module.load(warehouse, None, None)
    made = {c.slug: c for c in report_module.build_charts(data, read_releases(RELEASES_TOML))}
    checks = data.checks[(data.checks["geography"] == "SW_BORDER")
                         & (data.checks["period_start"] == data.checks["period_end"])]
    in_range = checks[checks["period_start"].between(data.displacement["month"].min(), data.displacement["month"].max())]
    expected = {(s, m): v / (100 if u == "percent" else 1)
                for s, m, v, u in zip(in_range["series"], in_range["period_start"], in_range["published_value"],
                                      in_range["unit"])}
    assert {m for s, m in expected if s == "cbp_referred"} == {dt.date(2018, m, 1) for m in (1, 3, 4, 5, 6)}
    cbp = made["cbp-vs-apprehensions"]
    share = made["non-immigration-share"]
    drawn = {}
    for series, ax in (("cbp_referred", cbp.figure.axes[0]), ("bp_apprehensions", cbp.figure.axes[1]),
                       ("non_immigration_share", share.figure.axes[0])):
        for line in (ln for ln in ax.get_lines() if ln.get_marker() == "D"):
            drawn.update({(series, pd.Timestamp(x).date()): y for x, y in zip(line.get_xdata(), line.get_ydata())})
    for key, value in expected.items():
        if key[0] != "non_immigration":  # counts drawn on the border-districts chart are lines, not marks
            assert drawn[key] == pytest.approx(value), key
    cbp_months = {m for s, m in drawn if s == "bp_apprehensions"}
    assert cbp_months == {m for m, _ in published.cbp_apprehensions("SW_BORDER").points
                          if data.displacement["month"].min() <= m <= data.displacement["month"].max()}
    assert cbp.published == ("TRAC", "CBP") and "(TRAC; CBP's exact monthly apprehensions)" in cbp.notes
    assert share.published == ("TRAC",) and "figures as published (TRAC)." in share.notes
    assert "CBP, U.S. Border Patrol" in cbp.metadata["Source"] and "CBP, U.S. Border Patrol" not in share.metadata["Source"]
    assert "trac-published-figures (trac_published_figures.csv" in share.metadata["Source"]
    for chart in made.values():
        plt.close(chart.figure)


def test_what_changed_since_the_last_release(warehouse, tmp_path):
    """The newest restating release's changes are listed; an older restatement is not news any more."""
    from orchestration.analysis import report

    june = dt.date(2018, 6, 1)
    sample_warehouse.new_edition(warehouse, "overall/monthlyjun18/fil/", "2026-02-01 06:00:00+00",
                                 {("all", june): 4})
    sample_warehouse.new_edition(warehouse, "immigration/monthlyjun18/fil/", "2026-03-01 06:00:00+00",
                                 {("immigration", june): -9})
    data = report.load(warehouse, None, None)
    assert list(zip(data.changes["figure"], data.changes["change"])) == [("immigration prosecutions, national", -9)]
    page = Page()
    page.feed(report.render(data, read_releases(RELEASES_TOML), [], {}, {}))
    text = " ".join(" ".join(page.text).split())
    assert "What changed since the last release" in text and "immigration prosecutions, national" in text
    assert "-9 (" in text and "all prosecutions, national" not in text


def test_counterfactual_spread_agrees_with_the_cumulative_columns_and_metrics(report, _built):
    """The report's missing totals for SW_BORDER are the mart's cumulative columns at the end of the policy
    window and `crowdout metrics`'s totals over the same months, one row per counterfactual."""
    import re

    import duckdb

    from orchestration.analysis import counterfactuals, metrics_table

    out, _ = report
    table = re.search(r'<table id="counterfactuals">(.*?)</table>', out.read_text(), re.S).group(1)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
    shown = {row[0]: row[3] for row in cells if row}
    con = duckdb.connect(str(_built), read_only=True)
    try:
        end = con.execute("SELECT max(month) FROM marts.fct_displacement_district_month "
                          "WHERE geography = 'SW_BORDER' AND month <= policy_end").fetchone()[0]
        cumulative = {cf.label: con.execute(f"SELECT {cf.cumulative} FROM marts.fct_displacement_district_month "
                                            "WHERE geography = 'SW_BORDER' AND month = ?", [end]).fetchone()[0]
                      for cf in counterfactuals.COUNTERFACTUALS}
    finally:
        con.close()
    view = metrics_table.load(_built, "SW_BORDER", dt.date(2016, 1, 1), end)
    assert list(shown) == [cf.label for cf in counterfactuals.COUNTERFACTUALS]
    for cf in counterfactuals.COUNTERFACTUALS:
        assert shown[cf.label] == f"{cumulative[cf.label]:+,.0f}"
        assert shown[cf.label] == f"{counterfactuals.missing_total(view.rows, cf):+,.0f}"


def test_cumulative_chart_draws_the_spread_of_the_counterfactuals(report):
    """The cumulative chart shades SW_BORDER between its lowest and highest counterfactual: its CSV carries
    all three cumulative series for SW_BORDER (one row a month) and its footnote names the band."""
    out, _ = report
    data = pd.read_csv(out.with_name("r-03-cumulative-missing.csv"))
    sw = data[data["geography"] == "SW_BORDER"]
    assert sw["month"].is_unique and len(sw) > 0
    for column in ("cumulative_missing_non_immigration", "cumulative_missing_non_immigration_year_ago",
                   "cumulative_missing_non_immigration_trend"):
        assert sw[column].notna().all()
    assert data.loc[data["geography"] != "SW_BORDER", "cumulative_missing_non_immigration_trend"].isna().all()
    chart = charts.cumulative_missing(sample_warehouse.displacement_frame())
    assert charts.SPREAD_BAND in chart.notes
    plt.close(chart.figure)


PROVISIONAL = (dt.date(2019, 1, 1), dt.date(2019, 3, 1))  # the sample's last three months


def _provisional_patches(chart: charts.Chart) -> list:
    return [p for ax in chart.figure.axes for p in ax.patches if p.get_gid() == "provisional"]


@pytest.mark.parametrize("draw", [
    charts.border_districts,
    lambda disp: charts.non_immigration_share(disp, []),
    charts.cumulative_missing,
    lambda disp: charts.cbp_vs_apprehensions(disp, {}),
])
def test_provisional_months_are_hatched_and_named(draw):
    """Each line chart hatches the months the mart flags provisional, on every panel, and its footnote,
    CSV and PNG metadata name them; with no provisional month drawn, none of them mentions one."""
    disp = sample_warehouse.displacement_frame()
    chart = draw(disp)
    patches = _provisional_patches(chart)
    hatched = [ax for ax in chart.figure.axes if any(p.get_gid() == "provisional" for p in ax.patches)]
    apprehensions = [ax for ax in chart.figure.axes if ax.get_title(loc="left").startswith("Border Patrol")]
    assert hatched == [ax for ax in chart.figure.axes if ax not in apprehensions]  # every prosecution panel
    assert len(patches) == len(hatched) and all(p.get_hatch() for p in patches)
    for patch in patches:
        left, right = patch.get_bbox().x0, patch.get_bbox().x1
        assert mdates.num2date(left).date() < PROVISIONAL[0] < mdates.num2date(right).date()
        assert mdates.num2date(right).date() > PROVISIONAL[1]
    assert chart.provisional == PROVISIONAL
    assert "provisional months (Jan 2019 to Mar 2019)" in chart.notes
    flagged = chart.data.loc[chart.data["is_provisional"], "month"]
    assert set(flagged) == {dt.date(2019, m, 1) for m in (1, 2, 3)}
    charts.stamp(chart, charts.Provenance({}, "", PROVISIONAL[1]))
    assert chart.metadata["Provisional"] == "2019-01 to 2019-03"
    plt.close(chart.figure)

    disp["is_provisional"] = False
    final = draw(disp)
    assert not _provisional_patches(final) and final.provisional is None and "provisional" not in final.notes
    charts.stamp(final, charts.Provenance({}, "", PROVISIONAL[1]))
    assert "Provisional" not in final.metadata
    plt.close(final.figure)


def test_the_report_pngs_name_their_provisional_months(report):
    from PIL import Image

    out, _ = report
    named = {png.stem.split("-", 2)[2]: Image.open(png).text.get("Provisional")
             for png in sorted(out.parent.glob("r-*.png"))}
    assert named == {"border-districts": "2019-01 to 2019-03", "non-immigration-share": "2019-01 to 2019-03",
                     "cumulative-missing": "2019-01 to 2019-03", "cbp-vs-apprehensions": "2019-01 to 2019-03",
                     "drug-846-national": None, "programs-fell": None}


def test_an_empty_chart_claims_no_basis_and_its_csv_keeps_the_header():
    chart = charts.drug_846_national(pd.DataFrame(columns=["series", "month", "prosecutions", "is_modelled"]), None)
    provenance = charts.Provenance({"trac-bulletin": "TRAC"}, {}, None)
    assert "Basis: no figures to draw" in charts.source_line(chart, provenance)
    assert chart.data.to_csv(index=False).splitlines() == ["month,series,rank,statute,prosecutions,is_modelled"]
    plt.close(chart.figure)


def test_release_ranges_are_named_by_month_per_series():
    keys = ["hsaa/2016-10", "hsaa/2019-09", "overall/2016-10", "overall/2019-09", "jdea/2018-06", "x.csv"]
    assert report_module.key_ranges(keys) == "hsaa, overall: 2016-10 to 2019-09; jdea: 2018-06; x.csv"


def test_a_region_s_residual_against_its_districts_is_noted():
    """SW_BORDER keeping TRAC's figure beside real districts that differ: the report says by how much its
    totals differ from the district chart's; where the districts add up, it says nothing."""
    disp = sample_warehouse.displacement_frame()
    assert report_module._counterfactuals(disp)["residual_note"] == ""
    disp["non_immigration_prosecutions_residual"] = None
    disp.loc[(disp["geography"] == "SW_BORDER") & (disp["month"] == dt.date(2018, 6, 1)),
             "non_immigration_prosecutions_residual"] = -29
    note = report_module._counterfactuals(disp)["residual_note"]
    assert "In 1 of these months SW_BORDER keeps the non-immigration figure TRAC published" in note and "-29" in note


def test_which_prosecutions_fell_sets_programs_side_by_side_and_labels_the_modelled(report):
    """One bar per program in each panel, in the same order (the furthest fall by June 2018 first), each
    change the mart's own; the sample warehouse's drugs and white collar are modelled (hatched, labelled),
    weapons rest on published pages (solid)."""
    out, _ = report
    data = pd.read_csv(out.parent / "r-06-programs-fell.csv")
    peak = data[data["measure"] == "change 2018-03 to 2018-06"]
    window = data[data["measure"] == "2018-04 to 2019-03 against the pre-baseline mean"]
    assert list(peak["program"]) == list(window["program"]) == ["white_collar", "drugs", "weapons"]
    assert list(peak["change"]) == sorted(peak["change"])
    assert dict(zip(peak["program"], peak["modelled"])) == {"white_collar": True, "drugs": True, "weapons": False}
    drugs = sample_warehouse.program_frame()
    june = drugs[(drugs["program"] == "drugs") & (drugs["month"] == dt.date(2018, 6, 1))]
    assert peak.set_index("program").loc["drugs", "change"] == pytest.approx(june["pct_change_vs_baseline"].iloc[0])


def test_which_prosecutions_fell_labels_every_modelled_bar():
    programs = sample_warehouse.program_frame()
    chart = charts.programs_fell(programs)
    labels = [t.get_text() for ax in chart.figure.axes for t in ax.texts]
    assert sum("(modelled)" in t for t in labels) == 4 and len(labels) == 6  # drugs, white collar twice each
    assert "Hatched bars" in chart.notes and chart.modelled
    plt.close(chart.figure)
    empty = charts.programs_fell(programs.iloc[0:0])
    assert empty.data.empty and not empty.modelled
    plt.close(empty.figure)
