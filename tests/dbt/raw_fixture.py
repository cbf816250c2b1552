"""A tiny raw warehouse for the dbt project: meta.releases and raw.* created from the warehouse's own DDL
and the connectors' raw table declarations, filled with a few hand-made rows.

TRAC comes as national pages: Table 1 and a ranked districts table with the five border districts and
one other. TRAC's published five-district figures (non-immigration 1,093 -> 703, CBP-referred 6,368 ->
11,086) come from a trac-published-figures release; the districts' own non-immigration figures add up to
1,103 in March (not 1,093), so the warehouse must take SW_BORDER's figure from the published file. The nine
southwest Border Patrol sectors add up to CBP's 37,390 and 34,090, so the reproduction test runs here too.
Every month before the baseline repeats March's figures, so the counterfactual is March's district sum.
TRAC's program bulletins (national only): drugs (modelled pages) falls from 2,000 to 1,800 by June 2018
and a report's published June figure, 1,790, replaces the page's; weapons (real pages) rises from 700 to
750; white collar (real pages, 500 then 450 in June) has its June figure also in the curated file, read from
that bulletin page, so the check of it agrees by construction.

Run as a script to build a scratch database: python tests/dbt/raw_fixture.py /tmp/dbt_dev/raw.duckdb
"""

from __future__ import annotations

import hashlib
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from orchestration.connectors.catalog import FAMILIES
from orchestration.warehouse.schema import ensure_schema

DISTRICTS = ["AZ", "CAS", "NM", "TXS", "TXW"]
# The raw.trac_table1 columns these rows fill (the others, e.g. catalogued, stay NULL): named, not positional,
# so a column added to the raw table does not shift them.
TABLE1_COLUMNS = ("(release_id, series, month, page_title, number_latest_month, pct_change_prev_month, "
                  "pct_change_1yr, pct_change_5yr_incl_magistrate, pct_change_5yr_excl_magistrate, "
                  "previous_month_number, table1_layout, modelled_figures)")
# district -> (immigration, non-immigration) for March and June 2018
MARCH = {"AZ": (2000, 300), "CAS": (1000, 250), "NM": (500, 150), "TXS": (2200, 243), "TXW": (1014, 160)}
JUNE = {"AZ": (3000, 200), "CAS": (1500, 150), "NM": (900, 100), "TXS": (3800, 153), "TXW": (1814, 100)}
TRAC_NAMES = {"AZ": "Arizona", "CAS": "California, South (San Diego)", "NM": "New Mexico",
              "TXS": "Texas, South (Houston)", "TXW": "Texas, West (San Antonio)"}
# the rest of the country, per month
NON_BORDER = (500, 8000)
# TRAC's program bulletins: TRAC's series -> (figure up to the baseline, April, May, June 2018), is modelled
PROGRAMS = {"drugs": ((2000, 1950, 1900, 1800), True), "weapons": ((700, 700, 700, 750), False),
            "white_collar_crime": ((500, 500, 500, 450), False)}
# TRAC's published figures: (series, geography, period, value, source)
PUBLISHED = [
    ("drugs_prosecutions", "US (all 94 districts)", "2018-06", 1790, "http://trac.syr.edu/tracreports/crim/x"),
    ("white_collar_prosecutions", "US (all 94 districts)", "2018-06", 450,
     "http://trac.syr.edu/tracreports/bulletins/white_collar_crime/monthlyjun18/fil"),
    ("non_immigration_prosecutions", "5 SW border districts", "2018-03", 1093, "http://bespacific.com/x"),
    ("non_immigration_prosecutions", "5 SW border districts", "2018-06", 703, "http://bespacific.com/x"),
    ("cbp_referred_prosecutions", "5 SW border districts", "2018-03", 6368, "https://motherjones.com/x"),
    ("cbp_referred_prosecutions", "5 SW border districts", "2018-06", 11086, "http://bespacific.com/x"),
    ("cbp_referred_prosecutions", "New Mexico", "2018-03", 480, "https://www.citylab.com/x"),
    ("all_prosecutions", "US (all 94 districts)", "FY2017", 100000, "http://trac.syr.edu/whatsnew/x"),
    ("non_immigration_share", "5 SW border districts", "2018-03", 14, "https://trac.syr.edu/tracatwork/x"),
]
SECTORS_MARCH = {"San Diego, CA": 3000, "El Centro, CA": 2500, "Yuma, AZ": 1000, "Tucson, AZ": 5000,
                 "El Paso, TX": 3500, "Big Bend, TX": 800, "Del Rio, TX": 2000, "Laredo, TX": 3500,
                 "Rio Grande Valley, TX": 16090, "Blaine, WA": 30}
SECTORS_JUNE = {"San Diego, CA": 2900, "El Centro, CA": 2000, "Yuma, AZ": 900, "Tucson, AZ": 4500,
                "El Paso, TX": 3300, "Big Bend, TX": 700, "Del Rio, TX": 1800, "Laredo, TX": 3200,
                "Rio Grande Valley, TX": 14790, "Blaine, WA": 20}
FIRST_MONTH, LAST_MONTH = date(2017, 3, 1), date(2018, 6, 1)
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]


def months() -> list[date]:
    out, m = [], FIRST_MONTH
    while m <= LAST_MONTH:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def district_figures(district: str, month: date) -> tuple[int, int]:
    """(immigration, non-immigration); April and May sit between March and June."""
    if month <= date(2018, 3, 1):
        return MARCH[district]
    if month == date(2018, 6, 1):
        return JUNE[district]
    step = {date(2018, 4, 1): 1, date(2018, 5, 1): 2}[month]
    return tuple(a + (b - a) * step // 3 for a, b in zip(MARCH[district], JUNE[district]))


def sectors(month: date) -> dict[str, int]:
    return SECTORS_JUNE if month == date(2018, 6, 1) else SECTORS_MARCH


class Releases:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def add(self, family: str, key: str, *, published: date, modelled: bool, salt: str = "") -> str:
        sha = hashlib.sha256(f"{family}|{key}|{salt}".encode()).hexdigest()
        rid = f"{family}:{sha[:16]}"
        when = datetime(published.year, published.month, published.day, tzinfo=timezone.utc)
        self.con.execute(
            "INSERT INTO meta.releases VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, 'text/html', ?, ?, "
            "'loaded', NULL, 1, NULL, ?)",
            [rid, family, key, f"file:///samples/{family}/{key}", when + timedelta(hours=1), when, sha,
             f"{family}/{sha[:2]}/{sha}/{key}", modelled, when + timedelta(hours=2)],
        )
        return rid


def add_ncd_case(con: duckdb.DuckDBPyConnection, rid: str, district: str, case_id: str, *, filed: date,
                 court: str = "MG", program_category: str = "055", agency: str = "HSCB", defendants: int = 1) -> None:
    """One criminal case of an EOUSA National Caseload Data release as the eousa-ncd connector loads it:
    its GS_CASE, GS_CASE_PROG_CAT, GS_COURT_HIST (one filing) and GS_PARTICIPANT rows (the referring agency,
    then the defendants)."""
    where = [rid, "DISK01", district, case_id]
    con.execute("INSERT INTO raw.eousa_ncd_case VALUES (?, ?, 'gs_case.txt', ?, ?, 'R', ?, NULL, 'A')",
                [*where, filed])
    con.execute("INSERT INTO raw.eousa_ncd_case_prog_cat VALUES (?, ?, 'gs_case_prog_cat.txt', ?, ?, ?, '1')",
                [*where, program_category])
    con.execute("INSERT INTO raw.eousa_ncd_court_hist VALUES (?, ?, 'gs_court_hist.txt', ?, ?, '1', ?, ?)",
                [*where, court, filed])
    people = [("A", "IN", agency)] + [("I", "D", None)] * defendants
    for n, (kind, role, who) in enumerate(people, start=1):
        con.execute(f"INSERT INTO raw.eousa_ncd_participant VALUES (?, ?, 'gs_participant_{district}.txt', ?, ?, "
                    "?, ?, ?, NULL, ?)", [*where, str(n), kind, role, who])


def build(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con, FAMILIES.values())
        rel = Releases(con)
        for m in months():
            published = m + timedelta(days=75)
            figures = {d: district_figures(d, m) for d in DISTRICTS}
            for series, value in (("immigration", lambda f: f[0]), ("overall", lambda f: f[0] + f[1])):
                national = sum(value(f) for f in figures.values()) + value(NON_BORDER)
                rid = rel.add("trac-bulletin", f"{series}/{m:%b%y}", published=published, modelled=True)
                con.execute(
                    "INSERT INTO raw.trac_table1 " + TABLE1_COLUMNS + " VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, 'labels', "
                    "'number_latest_month')",
                    [rid, series, m, f"Prosecutions for {MONTH_NAMES[m.month - 1]} {m.year}", national],
                )
                ranking = [(TRAC_NAMES[d], value(f)) for d, f in figures.items()]
                ranking.append(("California, Central (Los Angeles)", 400 if series == "overall" else 50))
                for rank, (name, n) in enumerate(sorted(ranking, key=lambda r: -r[1]), start=1):
                    con.execute(
                        "INSERT INTO raw.trac_district_rankings VALUES (?, ?, ?, ?, ?, ?, 300.5, NULL, NULL, NULL, "
                        "NULL, 'prosecutions,per_capita_rate')", [rid, series, m, rank, name, n])
            for program, (levels, modelled) in PROGRAMS.items():
                rid = rel.add("trac-bulletin", f"{program}/{m:%b%y}", published=published, modelled=modelled)
                figure = levels[max(0, (m.year - 2018) * 12 + m.month - 3)]
                con.execute(
                    "INSERT INTO raw.trac_table1 " + TABLE1_COLUMNS + " VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, 'labels', ?)",
                    [rid, program, m, f"Prosecutions for {MONTH_NAMES[m.month - 1]} {m.year}", figure,
                     "number_latest_month" if modelled else ""],
                )
        # a DEA page whose ranking holds Arizona alone: the other border districts are missing, not zero
        dea = rel.add("trac-bulletin", "jdea/Jun18", published=date(2018, 8, 20), modelled=False)
        con.execute("INSERT INTO raw.trac_table1 " + TABLE1_COLUMNS + " VALUES (?, 'jdea', DATE '2018-06-01', 'Referring Agency: DEA', 1045, "
                    "12.6, 5.5, -11.5, -15.4, NULL, 'labels', '')", [dea])
        con.execute("INSERT INTO raw.trac_district_rankings VALUES (?, 'jdea', DATE '2018-06-01', 1, 'Arizona', 60, "
                    "8.4, NULL, NULL, NULL, NULL, '')", [dea])
        # a restated page: the June immigration page loaded earlier with other bytes
        stale = rel.add("trac-bulletin", "immigration/Jun18", published=date(2018, 8, 1), modelled=True,
                        salt="first-print")
        con.execute("INSERT INTO raw.trac_table1 " + TABLE1_COLUMNS + " VALUES (?, 'immigration', DATE '2018-06-01', 'stale', 1, NULL, "
                    "NULL, NULL, NULL, NULL, 'labels', 'number_latest_month')", [stale])
        lead = rel.add("trac-bulletin", "immigration/Jun18/charges", published=date(2018, 8, 15), modelled=True)
        con.execute(
            "INSERT INTO raw.trac_lead_charges VALUES "
            "(?, 'immigration', DATE '2018-06-01', 1, 'Improper entry by alien', '8 USC 1325', 2100, NULL, NULL, NULL, NULL, 'prosecutions'), "
            "(?, 'immigration', DATE '2018-06-01', 2, 'Reentry of deported alien', '8 USC 1326', 700, NULL, NULL, NULL, NULL, 'prosecutions')",
            [lead, lead],
        )
        figures_release = rel.add("trac-published-figures", "trac_published_figures.csv",
                                  published=date(2019, 1, 1), modelled=False)
        for row, (series, geo, period, value, url) in enumerate(PUBLISHED, start=2):
            if period.startswith("FY"):
                start, end = date(int(period[2:]) - 1, 10, 1), date(int(period[2:]), 9, 1)
            else:
                start = end = date(int(period[:4]), int(period[5:]), 1)
            con.execute(
                "INSERT INTO raw.trac_published_figures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, "
                "NULL, NULL, ?, '')", [figures_release, row, series, geo, period, start, end, value,
                                       "percent" if series.endswith("_share") else "defendants", url])

        # OHSS workbook: all months; an earlier workbook printed March 2018 differently.
        for salt, published, restate in (("fy18m06", date(2018, 7, 15), True), ("fy18m07", date(2018, 8, 15), False)):
            rid = rel.add("ohss-usbp", f"KHSM Encounters (USBP) {salt}.xlsx", published=published, modelled=False)
            row = 2
            for m in months():
                fy = m.year + (m.month >= 10)
                label = f"{(m.month + 2) % 12 + 1:02d} {MONTH_NAMES[m.month - 1]}"
                for sector, qty in sectors(m).items():
                    if restate and m == date(2018, 3, 1) and sector == "Rio Grande Valley, TX":
                        qty = 16000
                    con.execute("INSERT INTO raw.ohss_usbp_monthly_sector VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [rid, row, m, fy, label, sector, qty])
                    row += 1

        # CBP AOR (modelled in the sample): OFO inadmissibles for March 2018, and a Border Patrol row
        # the marts must not use for apprehensions (OHSS is the apprehension source).
        aor = rel.add("cbp-nationwide-aor", "nationwide-encounters-fy18-fy18-aor.csv", published=date(2018, 4, 20),
                      modelled=True)
        aor_rows = [("Office of Field Operations", "San Diego Field Office", "Inadmissibles", 4000),
                    ("Office of Field Operations", "Tucson Field Office", "Inadmissibles", 1500),
                    ("Office of Field Operations", "El Paso Field Office", "Inadmissibles", 1000),
                    ("Office of Field Operations", "Laredo Field Office", "Inadmissibles", 2000),
                    ("Office of Field Operations", "Seattle Field Office", "Inadmissibles", 300),
                    ("U.S. Border Patrol", "Rio Grande Valley Sector", "Apprehensions", 99999)]
        for i, (component, aor_name, etype, count) in enumerate(aor_rows, start=1):
            con.execute(
                "INSERT INTO raw.cbp_nationwide_aor VALUES (?, ?, DATE '2018-03-01', '2018', 'FYTD', 'MAR', ?, "
                "'Southwest Land Border', ?, ?, 'Single Adults', 'MEXICO', 'Title 8', ?, ?)",
                [aor, i, component, aor_name, aor_name.split(" ")[0], etype, count],
            )
        state = rel.add("cbp-nationwide-state", "nationwide-encounters-fy18-fy18-state.csv",
                        published=date(2018, 4, 20), modelled=False)
        con.execute("INSERT INTO raw.cbp_nationwide_state VALUES (?, 1, DATE '2018-03-01', '2018', 'FYTD', 'MAR', "
                    "'Southwest Land Border', 'TX', 'Single Adults', 'MEXICO', 'Title 8', 25000)", [state])
        sbo = rel.add("cbp-sbo", "sbo-encounters-fy18-fy18.csv", published=date(2018, 4, 20), modelled=True)
        con.execute("INSERT INTO raw.cbp_sbo VALUES (?, 1, DATE '2018-03-01', '2018 (FYTD)', 'FYTD', 'MAR', 'U.S. Border Patrol', "
                    "'Single Adults', 'MEXICO', 'Title 8', 'Apprehensions', 37390)", [sbo])
    finally:
        con.close()
    return path


if __name__ == "__main__":
    print(build(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dbt_dev/raw.duckdb"))
