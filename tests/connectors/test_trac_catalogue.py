"""TRAC's bulletin catalogue: declared once in Python, mirrored by the dbt seed, and what discovery fetches."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

from orchestration.config import RELEASES_TOML
from orchestration.connectors import trac_catalogue
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
    with RELEASES_TOML.open("rb") as fh:
        family = tomllib.load(fh)["families"]["trac-bulletin"]
    assert set(family["series"]) <= set(trac_catalogue.BY_SLUG)
    assert set(family["sample_series"]) <= set(family["series"])
