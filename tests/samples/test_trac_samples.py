"""The bundled TRAC sample pages, read back through the real parser: do they hold what PROVENANCE.md promises?

The expected published figures are written out here rather than imported from the builder, so a change
to the builder's constants cannot silently change what the test checks.
"""

from __future__ import annotations

import tomllib
from statistics import mean

import lxml.html
import pytest

from orchestration.config import RELEASES_TOML, SAMPLE_RELEASES_DIR
from orchestration.samples import build_trac_samples
from orchestration.sources import trac

ROOT = SAMPLE_RELEASES_DIR / "trac.syr.edu"
BORDER = ("AZ", "CAS", "NM", "TXS", "TXW")
SERIES = ("immigration", "overall", "jcbp")

# TRAC's published Table 1 figures (trac_published_figures.csv): (series, geography, month) -> figures.
PUBLISHED = {
    ("immigration", "US", "2018-02"): (5670, -4.9, 14.1, -31.3, -10.3),
    ("immigration", "US", "2018-03"): (7020, 23.9, 21.3, -30.0, -6.7),
    ("immigration", "US", "2018-06"): (12348, 22.2, 79.9, -1.4, 1.4),
    ("overall", "US", "2018-12"): (13569, -17.8),
    ("immigration", "TXS", "2018-11"): (5338,),
    ("immigration", "TXS", "2018-12"): (4200,),
    ("immigration", "TXW", "2018-11"): (1880,),
    ("immigration", "TXW", "2018-12"): (1245,),
}
FIGURES = (
    "number_latest_month", "pct_change_prev_month", "pct_change_1yr",
    "pct_change_5yr_incl_magistrate", "pct_change_5yr_excl_magistrate",
)


@pytest.fixture(scope="module")
def refs():
    with RELEASES_TOML.open("rb") as fh:
        cfg = tomllib.load(fh)["families"][trac.FAMILY]
    return trac.discover(cfg, ROOT.as_uri(), None)


@pytest.fixture(scope="module")
def paths(refs):
    """(series, geography, 'YYYY-MM') -> (release, sample file)."""
    return {
        (r.params["series"], r.params["district_code"] or "US", r.params["month"]): (r, build_trac_samples.page_path(r))
        for r in refs
    }


@pytest.fixture(scope="module")
def pages(paths):
    """(series, geography, 'YYYY-MM') -> the parsed rows of each raw table."""
    return {
        key: {name: table.to_pylist() for name, table in trac.parse(path, r).tables.items()}
        for key, (r, path) in paths.items()
    }


def count(pages, series, geo, month) -> int:
    return pages[series, geo, month]["trac_table1"][0]["number_latest_month"]


def border_sum(pages, series, month) -> int:
    return sum(count(pages, series, d, month) for d in BORDER)


def sample_months(pages) -> list[str]:
    return sorted({k[2] for k in pages})


def test_every_discovered_page_exists_and_parses(refs, pages):
    assert len(pages) == len(refs) == 36 * 3 * 6
    assert sample_months(pages)[0] == "2016-10" and sample_months(pages)[-1] == "2019-09"


def test_five_district_sums_equal_trac_published_sums(pages):
    non_immigration = {m: border_sum(pages, "overall", m) - border_sum(pages, "immigration", m)
                       for m in ("2018-03", "2018-06")}
    assert non_immigration == {"2018-03": 1093, "2018-06": 703}
    assert 1093 / border_sum(pages, "overall", "2018-03") == pytest.approx(0.14, abs=0.005)  # one in seven
    assert 703 / border_sum(pages, "overall", "2018-06") == pytest.approx(0.06, abs=0.005)  # one in seventeen
    cbp = {m: border_sum(pages, "jcbp", m) for m in ("2018-01", "2018-03", "2018-04", "2018-05", "2018-06")}
    assert cbp == {"2018-01": 5191, "2018-03": 6368, "2018-04": 8298, "2018-05": 9216, "2018-06": 11086}


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_published_figures_are_printed_unmarked(pages, paths, key):
    row = pages[key]["trac_table1"][0]
    published = PUBLISHED[key]
    assert tuple(row[f] for f in FIGURES[: len(published)]) == published
    cells = table1_cells(paths[key][1])
    assert all(cells[i].get("data-basis") is None for i in range(len(published)))
    assert all(cells[i].get("data-basis") == "modelled" for i in range(len(published), 5))
    assert row["is_modelled"] is (len(published) < 5)


def table1_cells(path) -> list:
    """The five value cells of a current-layout page's Table 1, in label order."""
    doc = lxml.html.parse(str(path))
    return [doc.xpath(f"//th[normalize-space()='{label}']/following-sibling::td[1]")[0]
            for label in trac.TABLE1_LABELS.values()]


def test_everything_else_is_marked_modelled(pages):
    for key, tables in pages.items():
        if key not in PUBLISHED:
            assert tables["trac_table1"][0]["is_modelled"], key
        assert all(r["is_modelled"] for r in tables["trac_lead_charges"]), key
        assert all(r["is_modelled"] for r in tables["trac_district_rankings"]), key


def test_no_district_or_border_sum_exceeds_the_nation(pages):
    for month in sample_months(pages):
        for series in SERIES:
            national = count(pages, series, "US", month)
            assert border_sum(pages, series, month) <= national, (series, month)
            assert all(count(pages, series, d, month) <= national for d in BORDER)
        for geo in ("US", *BORDER):
            overall = count(pages, "overall", geo, month)
            assert count(pages, "immigration", geo, month) <= overall, (geo, month)
            assert count(pages, "jcbp", geo, month) <= overall, (geo, month)


def test_zero_tolerance_spike_peaks_in_june_2018_and_fades(pages):
    months = sample_months(pages)
    national = {m: count(pages, "immigration", "US", m) for m in months}
    assert max(national, key=national.get) == "2018-06"
    spike = ("2018-04", "2018-05", "2018-06", "2018-07")
    after = [m for m in months if m >= "2018-08"]
    assert mean(national[m] for m in after) < mean(national[m] for m in spike)
    non_imm = {m: border_sum(pages, "overall", m) - border_sum(pages, "immigration", m) for m in months}
    assert max(non_imm[m] for m in spike) < min(non_imm[m] for m in ("2018-01", "2018-02", "2018-03"))
    assert min(non_imm[m] for m in after if m >= "2019-02") > max(non_imm[m] for m in spike)


def test_seasonality_differs_month_to_month(pages):
    fy2017 = [count(pages, "immigration", "US", m) for m in sample_months(pages) if "2016-10" <= m <= "2017-09"]
    assert len(set(fy2017)) > 6


def lead_charge(pages, series, geo, month, statute) -> int | None:
    found = [r["prosecutions"] for r in pages[series, geo, month]["trac_lead_charges"] if r["statute"] == statute]
    return found[0] if found else None


def test_arizona_drug_conspiracy_is_followed_monthly_and_falls_during_the_spike(pages):
    az = {m: lead_charge(pages, "overall", "AZ", m, "21 USC 846") for m in sample_months(pages)}
    assert all(v is not None and v > 0 for v in az.values())
    assert all(az[m] < az["2018-03"] for m in ("2018-04", "2018-05", "2018-06", "2018-07"))
    assert az["2018-06"] < mean(az[m] for m in ("2018-01", "2018-02", "2018-03")) * 0.8


def test_lead_charges_on_overall_district_and_national_pages(pages):
    wanted = {"21 USC 846", "8 USC 1325", "8 USC 1326", "8 USC 1324", "21 USC 841", "21 USC 952",
              "21 USC 960", "18 USC 922"}
    for (series, geo, month), tables in pages.items():
        charges = tables["trac_lead_charges"]
        if geo != "US" and series != "overall":
            assert charges == []
            continue
        assert [r["rank"] for r in charges] == list(range(1, len(charges) + 1))
        assert [r["prosecutions"] for r in charges] == sorted((r["prosecutions"] for r in charges), reverse=True)
        assert sum(r["prosecutions"] for r in charges) <= count(pages, series, geo, month)
        if series == "overall":
            assert wanted <= {r["statute"] for r in charges}, (geo, month)


def test_national_pages_rank_ten_districts_with_the_border_five(pages):
    names = {"Arizona", "California, South (San Diego)", "New Mexico", "Texas, South (Houston)",
             "Texas, West (San Antonio)"}
    for (series, geo, month), tables in pages.items():
        ranking = tables["trac_district_rankings"]
        if geo != "US":
            assert ranking == []
            continue
        assert len(ranking) == 10
        assert names <= {r["district_name"] for r in ranking}
        assert all(r["per_capita_rate"] and r["per_capita_rate"] > 0 for r in ranking)
        by_name = {r["district_name"]: r["prosecutions"] for r in ranking}
        assert by_name["Arizona"] == count(pages, series, "AZ", month)
        assert sum(by_name.values()) <= count(pages, series, "US", month)


def test_every_page_carries_the_sample_banner_and_some_use_the_old_layout(paths):
    texts = [path.read_text(encoding="utf-8") for _, path in paths.values()]
    assert all("crowdout SAMPLE page" in t and "modelled values" in t for t in texts)
    old = [t for t in texts if "<b>Table 1.</b>" in t]
    assert 0 < len(old) < len(texts) / 4


def test_regenerating_writes_identical_bytes(tmp_path):
    out = tmp_path / "trac.syr.edu"
    written = build_trac_samples.build(out)
    committed = sorted(p.relative_to(ROOT) for p in ROOT.rglob("*") if p.is_file())
    assert sorted(p.relative_to(out) for p in written) == committed
    differing = [p for p in committed if (out / p).read_bytes() != (ROOT / p).read_bytes()]
    assert differing == []
