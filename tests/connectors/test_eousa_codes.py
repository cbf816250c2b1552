"""The release's own code tables, in both real formats: global_LIONS.txt (stacked tables, each a bare
GS_NAME line, a blank line, a CamelCase header, a row of hyphens) and table_gs_<x>.txt (metadata lines
naming the table, then the same, then a `(n rows affected)` line)."""

from __future__ import annotations

from orchestration.connectors.eousa.codes import Code, is_code_file, parse_code_file

GLOBAL = "\r\n".join([
    "GS_PROG_CAT", "",
    "Code Description                               CreateDate",
    "---- ---------------------------------------- -----------",
    "055  Immigration                              01-OCT-1994",
    "040  Drug Dealing                             01-OCT-1994",
    "",
    "GS_AGENCY", "",
    "AgencyCode Description",
    "---------- ------------------------------",
    "HSCB       Bureau of Customs & Border Protection, a description longer than its hyphens",
    "",
])
PER_DISTRICT = "\n".join([
    "Table: GS_COURT   exported 10/11/2018", "",
    "District Code Description",
    "-------- ---- --------------------",
    "AZ       MG   Magistrate Court",
    "TXS      MG   Magistrate Court",
    "",
    "(2 rows affected)",
])


def test_stacked_tables_give_each_code_with_its_description():
    assert parse_code_file(GLOBAL) == [
        Code("GS_PROG_CAT", None, "055", "Immigration"),
        Code("GS_PROG_CAT", None, "040", "Drug Dealing"),
        Code("GS_AGENCY", None, "HSCB", "Bureau of Customs & Border Protection, a description longer than its hyphens"),
    ]


def test_a_single_table_file_kept_per_district_gives_the_district():
    assert parse_code_file(PER_DISTRICT) == [Code("GS_COURT", "AZ", "MG", "Magistrate Court"),
                                             Code("GS_COURT", "TXS", "MG", "Magistrate Court")]


def test_a_table_without_a_code_or_a_description_column_is_not_a_code_list():
    text = "GS_STAFF\n\nFirstName LastName\n--------- --------\nJANE      DOE\n"
    assert parse_code_file(text) == []


def test_code_files_are_known_by_name():
    assert is_code_file("global_LIONS.txt") and is_code_file("table_gs_court.txt") and is_code_file("TABLE_GS_X.TXT")
    assert not is_code_file("gs_court_hist.txt") and not is_code_file("JAN FY2025_README_REPORTS_LOGS.txt")
