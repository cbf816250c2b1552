"""TRAC's bulletin catalogue: declared once in Python, mirrored by the dbt seed, and what discovery fetches."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from orchestration.config import RELEASES_TOML, read_releases
from orchestration.connectors import trac, trac_catalogue
from orchestration.connectors.release import ReleaseRef
from orchestration.connectors.trac_catalogue import AGENCY, CATALOGUE, PROGRAM

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "trac_catalogue.csv"


def test_the_dbt_seed_is_the_python_catalogue():
    with SEED.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [
        {"trac_series": s.slug, "series_kind": s.kind, "program": s.program, "title_words": "; ".join(s.words),
         "seen_at": s.seen}
        for s in CATALOGUE
    ]


def test_every_entry_is_declared_once_with_words_no_other_entry_uses():
    slugs = [s.slug for s in CATALOGUE]
    assert len(slugs) == len(set(slugs))
    for kind in (PROGRAM, AGENCY):
        words = [w for s in CATALOGUE if s.kind == kind for w in s.words]
        assert len(words) == len(set(words)), kind
    programs = [s.program for s in CATALOGUE if s.kind == PROGRAM]
    assert all(programs) and len(programs) == len(set(programs))
    assert all(s.program == "" for s in CATALOGUE if s.kind == AGENCY)


def test_the_series_the_issue_names_are_catalogued_under_the_slugs_the_marts_use():
    assert {s.slug: s.program for s in CATALOGUE if s.kind == PROGRAM}.items() >= {
        "overall": "all", "immigration": "immigration", "drugs": "drugs", "weapons": "weapons",
        "white_collar_crime": "white_collar", "terrorism": "terrorism", "orgcrime": "organized_crime",
        "regulation": "regulatory"}.items()
    assert {"jdea", "hsaa", "jfbi"} <= {s.slug for s in CATALOGUE if s.kind == AGENCY}
    assert trac_catalogue.program_named("Narcotics/Drugs").slug == "drugs"
    assert trac_catalogue.program_named("national  internal security/terrorism").slug == "terrorism"
    assert trac_catalogue.agency_named("Federal Bureau of Investigation").slug == "jfbi"
    assert trac_catalogue.program_named("child pornography") is None


def test_every_series_discovery_fetches_is_catalogued():
    family = read_releases(RELEASES_TOML).families["trac-bulletin"]
    assert set(family.series) <= set(trac_catalogue.BY_SLUG)
    assert set(family.sample_series) <= set(family.series)


@pytest.mark.parametrize("host", ["https://tracreports.org", "http://trac.syr.edu"])
@pytest.mark.parametrize("entry", CATALOGUE, ids=[s.slug for s in CATALOGUE])
def test_every_catalogued_series_loads_from_trac_paths_on_both_hosts(tmp_path, entry, host):
    """Each entry's slug, words and kind fit together: a page titled as the entry says loads from its path."""
    if entry.kind == PROGRAM:
        heading, agency = f"{entry.words[0].title()} Prosecutions for June 2018".strip(), ""
    else:
        heading, agency = "Prosecutions for June 2018", f"<p>Referring Agency: {entry.words[0].title()}</p>"
    page = tmp_path / "index.html"
    page.write_text(
        f"<html><head><title>{heading}</title></head><body><h2>{heading}</h2>{agency}<table>"
        + "".join(f"<tr><td>{label}</td><td>{n}</td></tr>" for label, n in zip(trac.TABLE1_LABELS.values(),
                                                                                 ("1,045", "1.0", "2.0", "3.0", "4.0")))
        + "<tr><td>Table 1. Criminal Prosecutions</td></tr></table></body></html>")
    url = f"{host}/tracreports/bulletins/{entry.slug}/monthlyjun18/fil/"
    params = trac.params_from_url(url, None)
    row = trac.parse(page, ReleaseRef(family=trac.FAMILY, url=url, key=params["key"], params=params)).tables[
        "trac_table1"].to_pylist()[0]
    assert (row["series"], row["catalogued"], row["series_kind"], row["number_latest_month"]) == (
        entry.slug, True, entry.kind, 1045)
