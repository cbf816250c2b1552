"""TRAC's bulletin catalogue, declared once: every series TRAC publishes that crowdout knows by name.

A TRAC bulletin is either a *program* bulletin, titled "<words> Prosecutions for <Month> <Year>" (no words
for the overall bulletin), or a *referring agency* bulletin, titled "Prosecutions for <Month> <Year>" over
"Referring Agency: <agency>". Each entry says which, the URL slug TRAC files it under
(`.../tracreports/bulletins/<slug>/monthly<mon><yy>/fil`), the words TRAC titles it with, and for programs a
stable `program` key the marts use. Every entry cites a stored real page (trac.syr.edu or tracreports.org)
where its slug and words were seen; sources.md 1b lists them too.

The parser reads a page's series from these words; a page whose words are not here still loads, under its
URL slug (or its words, for a page saved by hand), flagged as uncatalogued, so a series TRAC adds never blocks
a refresh. `dbt_project/seeds/trac_catalogue.csv` is this table for dbt; a test keeps the two equal.

TRAC also announced agency bulletins for the Internal Revenue Service and for the Bureau of Alcohol, Tobacco,
Firearms and Explosives ("Just added this month are free reports on prosecutions and convictions for cases
referred by the Internal Revenue Service, Federal Bureau of Investigation, Immigration and Customs in Homeland
Security, Drug Enforcement Administration, and the Bureau of Alcohol, Tobacco, Firearms and Explosives",
tracreports.org/whatsnew/email.070629.html), but no stored page shows their URL slugs, so they are not
entries here: a guessed slug would make a real page fail as "disagreeing with its URL". Their pages load as
uncatalogued until a page is seen and an entry added.
"""

from __future__ import annotations

from dataclasses import dataclass

PROGRAM = "program"
AGENCY = "agency"


@dataclass(frozen=True)
class TracSeries:
    """One TRAC bulletin series.

    `words` are matched case-insensitively with spaces collapsed: for a program, the words before
    "Prosecutions for" in its title; for an agency, the name after "Referring Agency:".
    """

    slug: str
    kind: str  # PROGRAM or AGENCY
    words: tuple[str, ...]
    program: str  # the marts' stable key for a program bulletin; "" for an agency bulletin
    seen: str  # a stored real page of this series


CATALOGUE: tuple[TracSeries, ...] = (
    TracSeries("overall", PROGRAM, ("",), "all",
               "trac.syr.edu/tracreports/bulletins/overall/monthlynov15/fil (Prosecutions for November 2015)"),
    TracSeries("immigration", PROGRAM, ("immigration",), "immigration",
               "trac.syr.edu/tracreports/bulletins/immigration/monthlyapr19/fil (Immigration Prosecutions for April 2019)"),
    TracSeries("drugs", PROGRAM, ("narcotics/drugs", "drugs", "drug"), "drugs",
               "trac.syr.edu/tracreports/bulletins/drugs/monthlysep24/fil (Table 1. Criminal Narcotics/Drugs Prosecutions)"),
    TracSeries("weapons", PROGRAM, ("weapons",), "weapons",
               "trac.syr.edu/tracreports/bulletins/weapons/monthlyjul13/fil (Weapons Prosecutions for July 2013)"),
    TracSeries("white_collar_crime", PROGRAM, ("white collar crime",), "white_collar",
               "trac.syr.edu/tracreports/bulletins/white_collar_crime/monthlyoct18/fil "
               "(White Collar Crime Prosecutions for October 2018)"),
    TracSeries("terrorism", PROGRAM,
               ("national internal security/terrorism", "terrorism/national internal security"), "terrorism",
               "trac.syr.edu/tracreports/bulletins/terrorism/monthlydec17/fil "
               "(National Internal Security/Terrorism Prosecutions for December 2017)"),
    TracSeries("orgcrime", PROGRAM, ("organized crime",), "organized_crime",
               "trac.syr.edu/tracreports/bulletins/orgcrime/monthlymay19/fil (organized crime, May 2019)"),
    TracSeries("regulation", PROGRAM, ("government regulatory",), "regulatory",
               "trac.syr.edu/tracreports/bulletins/regulation/monthlyjun13/fil (Government Regulatory Prosecutions for June 2013)"),
    TracSeries("corruption", PROGRAM, ("official corruption",), "official_corruption",
               "trac.syr.edu/tracreports/bulletins/corruption/monthlyjun22/fil (Official Corruption Prosecutions for June 2022)"),
    TracSeries("civilrights", PROGRAM, ("civil rights",), "civil_rights",
               "trac.syr.edu/tracreports/bulletins/civilrights/monthlyjun13/fil (Civil Rights Prosecutions for June 2013)"),
    TracSeries("jdea", AGENCY, ("drug enforcement administration",), "",
               "trac.syr.edu/tracreports/bulletins/jdea/monthlyjun18/fil (Referring Agency: Drug Enforcement Administration)"),
    TracSeries("hsaa", AGENCY, ("immigration and customs in homeland security",), "",
               "trac.syr.edu/tracreports/bulletins/hsaa/monthlyoct12/gui "
               "(Referring Agency: Immigration and Customs in Homeland Security; sources.md 1b)"),
    TracSeries("jfbi", AGENCY, ("federal bureau of investigation",), "",
               "tracreports.org/tracreports/bulletins/jfbi/monthlyjun25/fil (Referring Agency: Federal Bureau of Investigation)"),
    TracSeries("zssa", AGENCY, ("social security administration",), "",
               "zssa named among TRAC's agency series in sources.md 1b"),
)

BY_SLUG = {s.slug: s for s in CATALOGUE}


def _key(words: str) -> str:
    return " ".join(words.lower().split())


_PROGRAM_WORDS = {_key(w): s for s in CATALOGUE if s.kind == PROGRAM for w in s.words}
_AGENCY_WORDS = {_key(w): s for s in CATALOGUE if s.kind == AGENCY for w in s.words}


def program_named(words: str) -> TracSeries | None:
    """The program bulletin TRAC titles "<words> Prosecutions for ...", if the catalogue has it."""
    return _PROGRAM_WORDS.get(_key(words))


def agency_named(name: str) -> TracSeries | None:
    """The agency bulletin whose page says "Referring Agency: <name>", if the catalogue has it."""
    return _AGENCY_WORDS.get(_key(name))
