"""EOUSA's National Caseload Data (LIONS): a cumulative dump of the U.S. Attorneys' case database.

One release is a set of zips ("disks"), each holding a README that lists its files and gives every
table's fixed-width layout, and the tables themselves: latin-1 text, one space-padded record a line;
the last disk holds the code tables. The connector discovers (`discover`), fetches and lands (`fetch`),
reads layouts (`layouts`, `disks`) and code tables (`codes`), and yields records (`records`); the
warehouse writes them into `raw.eousa_ncd_*` (orchestration/warehouse/ncd_loader.py), as for every
other family. The raw tables are declared here, once.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from orchestration.connectors.eousa import discover, fetch, records
from orchestration.connectors.eousa.codes import CODE_COLUMNS
from orchestration.connectors.eousa.records import DATE_TYPE, NEEDED
from orchestration.connectors.release import Family, ParsedRelease, RawColumn, ReleaseRef, arrow_schema

_DESCRIPTIONS = {
    "DISTRICT": "USAO district code as in the file (AZ, CAS, TXS, ...)",
    "ID": "the row's LIONS id (in GS_CASE: the case id)",
    "CASEID": "the case id; (district, caseid) is the case key",
    "CLASS": "case class code (R = criminal in Appendix A; resolved from the release's code table)",
    "RECVD_DATE": "date the USAO received the matter",
    "LEAD_CHARGE": "lead charge, e.g. 08 :01326(a)",
    "STATUS": "case status code",
    "PROG_CAT": "program category code (resolved from the release's GS_PROG_CAT); several per case possible",
    "COURT": "court code (resolved from the release's GS_COURT: DC district, MG magistrate, ...)",
    "FILING_DATE": "date the proceeding was filed in that court",
    "TYPE": "participant type (A = agency)",
    "ROLE": "participant role code (resolved from the release's GS_ROLE); D*/* sealed",
    "DEFEND_NUM": "defendant number within the case",
    "AGENCY": "agency code (resolved from the release's GS_AGENCY)",
}
_PROVENANCE = (
    RawColumn("disk", "VARCHAR", "the disk (zip) the row came from, e.g. DISK09.ZIP"),
    RawColumn("source_file", "VARCHAR", "the table file inside the zip, e.g. gs_participant_AZ.txt"),
)


def _loaded_columns(table: str) -> tuple[RawColumn, ...]:
    _, names = NEEDED[table]
    return _PROVENANCE + tuple(
        RawColumn(n.lower(), DATE_TYPE if n.endswith("_DATE") else "VARCHAR",
                  f"{table}.{n}: {_DESCRIPTIONS[n]}; trimmed text, `*` (redacted) and blank as NULL")
        for n in names
    )


DISK_COLUMNS = (
    RawColumn("disk", "VARCHAR", "the zip's file name, e.g. DISK01.ZIP"),
    RawColumn("sha256", "VARCHAR", "sha256 of the zip as downloaded"),
    RawColumn("bytes", "BIGINT", "size of the zip in bytes"),
    RawColumn("readme_title", "VARCHAR", "the README's first line, e.g. README.TXT FILES DISK01.ZIP"),
    RawColumn("is_modelled", "BOOLEAN", "true when the README declares the disk a modelled sample"),
)
FILE_COLUMNS = (
    RawColumn("disk", "VARCHAR", "the zip the file is in"),
    RawColumn("source_file", "VARCHAR", "the table file loaded"),
    RawColumn("table_name", "VARCHAR", "the LIONS table it holds (GS_CASE, GS_PARTICIPANT, ...)"),
    RawColumn("record_width", "INTEGER", "record width in characters, from the README"),
    RawColumn("records", "BIGINT", "records loaded"),
    RawColumn("records_set_aside", "BIGINT", "records set aside (raw.eousa_ncd_rejects), not loaded"),
)
REJECT_COLUMNS = (
    RawColumn("disk", "VARCHAR", "the zip the file is in"),
    RawColumn("source_file", "VARCHAR", "the table file"),
    RawColumn("line_number", "BIGINT", "1-based line in the file"),
    RawColumn("reason", "VARCHAR", "why it is not a record: longer than its layout, or broken by a line break"),
    RawColumn("record_text", "VARCHAR", "the line as in the file (first 240 characters, latin-1)"),
)
QUALITY_COLUMNS = (
    RawColumn("table_name", "VARCHAR", "the LIONS table"),
    RawColumn("column_name", "VARCHAR", "the README column"),
    RawColumn("issue", "VARCHAR", "redacted (the cell is `*`) or bad_date (unreadable or year outside 1900-2099)"),
    RawColumn("cells", "BIGINT", "cells set to NULL for this issue, over the whole release"),
    RawColumn("example", "VARCHAR", "one offending value as in the file"),
)
CODES = (
    RawColumn("disk", "VARCHAR", "the zip the code file is in (the release's last disk)"),
    RawColumn("source_file", "VARCHAR", "global_LIONS.txt or table_gs_<x>.txt"),
    RawColumn("code_table", "VARCHAR", "the LIONS code table (GS_PROG_CAT, GS_AGENCY, GS_COURT, GS_ROLE, ...)"),
    RawColumn("district", "VARCHAR", "the district, where the table is kept per district; else NULL"),
    RawColumn("code", "VARCHAR", "the code as the data tables use it"),
    RawColumn("description", "VARCHAR", "what the release says the code means"),
)
RAW_TABLES = {
    "eousa_ncd_disks": DISK_COLUMNS,
    "eousa_ncd_codes": CODES,
    "eousa_ncd_files": FILE_COLUMNS,
    "eousa_ncd_rejects": REJECT_COLUMNS,
    "eousa_ncd_quality": QUALITY_COLUMNS,
    **{raw: _loaded_columns(table) for table, (raw, _) in NEEDED.items()},
}
# the tables `parse` returns whole; the rest are streamed by the warehouse (Family.records)
_PARSED = ("eousa_ncd_disks", "eousa_ncd_codes")


def parse(path: Path, ref: ReleaseRef) -> ParsedRelease:
    """Checks every README before any row is loaded, and yields the small tables (disks, code tables);
    the big tables are read by `records.record_files` as the warehouse loads them."""
    plan = records.plan(path, ref)
    disks = pa.table(
        {
            "disk": [d.name for d in plan.disks],
            "sha256": [d.sha256 for d in plan.disks],
            "bytes": [d.bytes for d in plan.disks],
            "readme_title": [r.title for r in plan.readmes],
            "is_modelled": [r.is_modelled for r in plan.readmes],
        },
        schema=arrow_schema(DISK_COLUMNS),
    )
    codes = pa.table(
        {"disk": [d.name for d, _, _ in plan.codes], "source_file": [f for _, f, _ in plan.codes],
         **{c: [getattr(code, c) for _, _, code in plan.codes] for c in CODE_COLUMNS}},
        schema=arrow_schema(CODES),
    )
    return ParsedRelease(tables=dict(zip(_PARSED, (disks, codes))),
                         modelled=any(r.is_modelled for r in plan.readmes))


def read_records(path: Path, ref: ReleaseRef, work: Path):
    """The needed table files of a landed release, as records in `work` (see records.record_files)."""
    return records.record_files(records.plan(path, ref), work, ref)


EOUSA_NCD = Family(
    name=discover.FAMILY,
    raw_tables=RAW_TABLES,
    discover=discover.discover,
    parse=parse,
    config=discover.NcdConfig,
    fetch=fetch.fetch,
    records=read_records,
    fault_tables=frozenset({"eousa_ncd_rejects", "eousa_ncd_quality"}),
    # A dump is the database as of one month's end, at a page of its own that is never revised: the next
    # dump (a new page) restates its months. So a release page already loaded is not asked for again, and
    # its version is the manifest it landed as, not the page's bytes.
    restated=False,
)
