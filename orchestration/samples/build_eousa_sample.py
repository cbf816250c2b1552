"""Builds the bundled MODELLED EOUSA National Caseload Data release, in the Sep FY2018 layout.

No real NCD dump can be fetched here (about 20 GB, and the DOJ site is out of reach), yet the demo and
the dbt models need one in the real format. Everything in it is invented: the cases, dates, charges,
agencies and counts are modelled, not EOUSA's. Each README says so on its second line (`DATA BASIS:
MODELLED`), and the sample pages link every disk with `data-basis="modelled"`.

The format is EOUSA's: one zip per disk with a `README.TXT` (title, file listing, the table layouts,
copied from EOUSA's own Sep FY2018 README text in `eousa/sepfy2018_layouts.txt`), fixed-width latin-1
tables space-padded to the layout's width, one record a line ending in LF, GS_PARTICIPANT split into
`gs_participant_<DIST>.txt` per district, a logs disk (CRLF `*_nl_monthly_counts.log`) and a code-table
disk (`global_LIONS.txt` and `table_gs_class.txt`, see CODE_TABLES).

Model (per district, FY2017-FY2019, deterministic: a fixed linear congruential generator, no clock):
- cases per district-month: a base of 1 plus weight-scaled immigration and other cases; the five
  Southwest border districts carry most immigration cases, and immigration doubles from April 2018;
- criminal (class R) 92%, civil (V) the rest; one program category (055 immigration, or one of
  040/045/053/031/011), a tenth of the cases a second one;
- immigration cases: 60% magistrate court only, 30% magistrate then district court (10-45 days
  later, often the next month), 10% district court only; other cases: 25% MG then DC, 75% DC only;
- referring agency (role IN, type A): immigration HSCB 80%, HSCE 15%, HSCI 5%; others JUFB, JUDE,
  JUAF, HSCB (5%); one to three defendants (role D, defendant numbers 1..n);
- the oddities the real files hold, on purpose: redacted cells (`*`, `D*` roles), bad dates
  (`11-MAR-0024`), a CR byte inside a NAME field.

Run: python -m orchestration.samples.build_eousa_sample   (rewrites identical bytes)
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

from orchestration.connectors.calendar import abbreviation, month_range
from orchestration.connectors.eousa.layouts import MODELLED_MARKER, Layout, parse_readme

SAMPLES = Path(__file__).resolve().parent
LAYOUTS_TXT = SAMPLES / "eousa" / "sepfy2018_layouts.txt"
SITE = SAMPLES / "releases" / "www.justice.gov"
INDEX = SITE / "usao/resources/foia-library/national-caseload-data"
RELEASE_PAGE = SITE / "usao/resources/foia-library/national-caseload-data-sample/september-2019"
DISKS = SITE / "usao/page/file/ncd-sample-sepfy2019"
ZIP_TIME = (2019, 10, 11, 10, 46, 0)
LISTING_STAMP = "10/11/2019 10:46 AM"

DISTRICTS = (
    "AK ALM ALN ALS ARE ARW AZ CAC CAE CAN CAS CO CT DC DE FLM FLN FLS GAM GAN GAS GU HI IAN IAS ID ILC ILN "
    "ILS INN INS KS KYE KYW LAE LAM LAW MA MD ME MIE MIW MN MOE MOW MSN MSS MT NCE NCM NCW ND NE NH NJ NM NV "
    "NYE NYN NYS NYW OHN OHS OKE OKN OKW OR PAE PAM PAW PR RI SC SD TNE TNM TNW TXE TXN TXS TXW UT VAE VAW VI "
    "VT WAE WAW WIE WIW WVN WVS WY"
).split()
# Relative weight of immigration cases (Southwest border heavy) and of other cases; modelled.
IMMIGRATION_WEIGHT = {"AZ": 9, "CAS": 6, "NM": 5, "TXS": 10, "TXW": 9}
OTHER_WEIGHT = {"CAC": 3, "FLS": 3, "NYS": 3, "NYE": 3, "ILN": 2, "TXS": 3, "TXW": 2, "AZ": 2, "PR": 2}
OTHER_PROG_CATS = ("040", "045", "053", "031", "011")
IMMIGRATION_AGENCIES = ("HSCB",) * 16 + ("HSCE",) * 3 + ("HSCI",)  # 80/15/5%
OTHER_AGENCIES = ("JUFB", "JUDE", "JUAF", "JUFB", "JUDE", "JUFB", "JUDE", "JUAF", "JUFB", "JUDE",
                  "JUFB", "JUDE", "JUAF", "JUFB", "JUDE", "JUFB", "JUDE", "JUAF", "JUFB", "HSCB")
DUMP_DATE = date(2019, 9, 30)
MONTHS = month_range(date(2016, 10, 1), date(2019, 9, 1))


class _Rng:
    """A tiny LCG, so the sample's bytes never depend on Python's random module version."""

    def __init__(self, seed: int):
        self.state = seed

    def next(self) -> int:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return self.state >> 33

    def below(self, n: int) -> int:
        return self.next() % n

    def chance(self, percent: int) -> bool:
        return self.below(100) < percent


def layouts() -> dict[str, tuple[str, Layout]]:
    """Each table's layout and its README text block, from EOUSA's own README text."""
    text = LAYOUTS_TXT.read_text(encoding="ascii")
    blocks = [b.strip("\n") for b in text.split("\n\n\n") if b.strip()]
    out = {}
    for block in blocks:
        (table, layout), = parse_readme(block, LAYOUTS_TXT.name).layouts.items()
        out[table] = (block, layout)
    return out


def _dmy(d: date) -> str:
    return f"{d.day:02d}-{abbreviation(d.month).upper()}-{d.year}"  # NCD's 01-JAN-2019


def _record(layout: Layout, values: dict[str, str]) -> bytes:
    line = bytearray(b" " * layout.width)
    for name, value in values.items():
        col = layout.columns[name]
        raw = value.encode("latin-1")
        width = col.end - col.begin + 1
        if len(raw) > width:
            raise ValueError(f"{layout.table}.{name}: {value!r} wider than {width}")
        line[col.begin - 1: col.begin - 1 + len(raw)] = raw
    return bytes(line) + b"\n"


def build_tables(layouts) -> dict[str, bytes]:
    """The table files, by file name."""
    case_l, pc_l, ch_l, part_l = (
        layouts[t][1] for t in ("GS_CASE", "GS_CASE_PROG_CAT", "GS_COURT_HIST", "GS_PARTICIPANT")
    )
    rng = _Rng(20190930)
    case, prog, court = bytearray(), bytearray(), bytearray()
    participants = {d: bytearray() for d in DISTRICTS}
    row_id = 1000
    for district in DISTRICTS:
        seq = 0
        for month in MONTHS:
            surge = 2 if month >= date(2018, 4, 1) else 1
            n_imm = IMMIGRATION_WEIGHT.get(district, 0) * surge // 2 + (1 if rng.chance(15) else 0)
            n_other = 1 + OTHER_WEIGHT.get(district, 0) // 2 + (1 if rng.chance(30) else 0)
            for kind in ["imm"] * n_imm + ["other"] * n_other:
                seq += 1
                row_id += 1
                cid = f"{month.year}R{seq:05d}"
                recvd = month + timedelta(days=rng.below(27))
                criminal = kind == "imm" or rng.chance(92)
                imm = kind == "imm"
                name = f"USA V. DEFENDANT {seq}"
                if district == "AZ" and seq == 7:
                    name = "USA V. CARRIAGE\rRETURN"  # a CR byte inside a field, as in the real files
                recvd_text = "11-MAR-0024" if (district == "NM" and seq == 3) else _dmy(recvd)  # a bad year
                charge = "08 :01325(a)(1)" if imm and rng.chance(60) else ("08 :01326(a)" if imm else "21 :00841a1")
                case += _record(case_l, {
                    "DISTRICT": district, "ID": cid, "CLASS": "R" if criminal else "V", "NAME": name,
                    "RECVD_DATE": recvd_text, "LIT_RESP": "CR", "BRANCH": "MAI", "LEAD_CHARGE": charge,
                    "SYS_INIT_DATE": _dmy(recvd), "ACCESS_DATE": _dmy(recvd), "STATUS": "A" if rng.chance(40) else "C",
                })
                cat = "055" if imm else OTHER_PROG_CATS[rng.below(len(OTHER_PROG_CATS))]
                cats = [cat] + (["06F"] if rng.chance(10) else [])
                for c in cats:
                    row_id += 1
                    prog += _record(pc_l, {"DISTRICT": district, "CASEID": cid, "PROG_CAT": c, "ID": str(row_id)})
                if not criminal:
                    continue
                first = recvd + timedelta(days=rng.below(5))
                draw = rng.below(100)
                mg_only, mg_then_dc = (60, 90) if imm else (0, 25)  # percent thresholds, see the docstring
                if draw < mg_only:
                    courts = [("MG", first)]
                elif draw < mg_then_dc:
                    courts = [("MG", first), ("DC", first + timedelta(days=10 + rng.below(36)))]
                else:
                    courts = [("DC", first)]
                for court_code, filed in courts:
                    if filed > DUMP_DATE:  # not yet filed when the database was dumped
                        continue
                    row_id += 1
                    filed_text = "*" if (district == "TXW" and seq == 5 and court_code == courts[0][0]) else _dmy(filed)
                    court += _record(ch_l, {"DISTRICT": district, "CASEID": cid, "ID": str(row_id), "COURT": court_code,
                                            "US_ROLE": "P", "FILING_DATE": filed_text})
                agency = (IMMIGRATION_AGENCIES if imm else OTHER_AGENCIES)[rng.below(20)]
                sealed = rng.chance(2)
                row_id += 1
                participants[district] += _record(part_l, {
                    "DISTRICT": district, "CASEID": cid, "ID": str(row_id), "TYPE": "A",
                    "ROLE": "*" if sealed else "IN", "LAST_NAME": "AGENCY", "AGENCY": "*" if sealed else agency,
                    "SYS_INIT_DATE": _dmy(recvd),
                })
                for number in range(1, 2 + (rng.below(4) == 0) + (rng.below(10) == 0)):
                    row_id += 1
                    participants[district] += _record(part_l, {
                        "DISTRICT": district, "CASEID": cid, "ID": str(row_id), "TYPE": "I",
                        "ROLE": "D*" if sealed else "D", "DEFEND_NUM": str(number), "LAST_NAME": f"DOE {number}",
                        "SYS_INIT_DATE": _dmy(recvd),
                    })
    files = {"gs_case.txt": bytes(case), "gs_case_prog_cat.txt": bytes(prog), "gs_court_hist.txt": bytes(court)}
    files.update({f"gs_participant_{d}.txt": bytes(b) for d, b in participants.items()})
    return files


def _readme(disk: str, files: dict[str, bytes], blocks: list[str], note: str = "") -> bytes:
    listing = "\n".join(f"{LISTING_STAMP}  {len(body):>23,} {name}" for name, body in files.items())
    total = sum(len(b) for b in files.values())
    text = (
        f"README.TXT FILES {disk}\n"
        f"{MODELLED_MARKER} - crowdout sample release: every record is invented, none is EOUSA's.\n\n\n"
        "This file contains a listing of the files in this ZIP file, followed by file layouts\n(if necessary).\n\n\n"
        f"File Listing:\n\n\n{listing}\n\n\n{len(files)} File(s) {total:,} bytes\n\n\n\nTable Layouts:\n\n\n"
        + note + "\n\n\n\n".join(blocks) + "\n"
    )
    return text.replace("\n", "\r\n").encode("latin-1")


def _zip(path: Path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in members.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, body, compresslevel=9)
    path.write_bytes(buf.getvalue())


_PARTICIPANT_NOTE = (
    "* Note: Due to the file size, the original GS_PARTICIPANT table could not fit on\n"
    "one DVD so the file was broken up programatically by district. All GS_PARTICIPANT_\n"
    "tables have the same layout as the original GS_PARTICIPANT file regardless of\ndistrict suffix\n\n\n"
)


def _logs(tables: dict[str, bytes]) -> dict[str, bytes]:
    lines = [(name[:-4].upper(), body.count(b"\n")) for name, body in tables.items()]
    counts = "\r\n".join(f"Table name - {name:<30} records: {n:>10}" for name, n in lines)
    return {"SEPFY2019_nl_monthly_counts.log": (counts + "\r\n").encode("latin-1"),
            "SEPFY2019.err": b"0 errors encountered during SEPFY2019 redaction.\r\n"}


# The code tables, as EOUSA's last disk holds them (codes and descriptions from LIONS Appendix A, June 2017;
# the sample's own selection). global_LIONS.txt stacks tables: a bare GS_NAME line, a blank line, a CamelCase
# header, a row of hyphens marking the column spans, the rows. A table_gs_<x>.txt holds one table after a few
# metadata lines naming it, and ends in a "(n rows affected)" line.
CODE_TABLES = {
    "GS_PROG_CAT": [("055", "Immigration"), ("040", "Drug Dealing"), ("045", "Drug Possession"),
                    ("053", "Firearms/Triggerlock"), ("031", "White Collar Crime/Fraud"), ("011", "Official Corruption"),
                    ("06F", "Narcotics Money Laundering")],
    "GS_AGENCY": [("HSCB", "Bureau of Customs & Border Protection"), ("HSCE", "Immigration & Customs Enforcement"),
                  ("HSCI", "Citizenship & Immigration Services"), ("JUFB", "Federal Bureau of Investigation"),
                  ("JUDE", "Drug Enforcement Administration"), ("JUAF", "Alcohol, Tobacco, Firearms & Explosives")],
    "GS_COURT": [("DC", "District Court"), ("MG", "Magistrate Court"), ("MD", "District Court (Miscellaneous)"),
                 ("MM", "Magistrate Court (Miscellaneous)"), ("NC", "Not in Court")],
    "GS_ROLE": [("IN", "Investigative Agency"), ("D", "Defendant"), ("DJ", "Juvenile Defendant")],
    "GS_CLASS": [("R", "Criminal"), ("V", "Civil")],
}


def _code_block(rows: list[tuple[str, str]]) -> list[str]:
    return ["Code Description", "---- " + "-" * 40, *(f"{c:<4} {d:<40}" for c, d in rows)]


def _code_tables(tables: dict[str, list[tuple[str, str]]] = CODE_TABLES) -> dict[str, bytes]:
    """global_LIONS.txt with every table but GS_CLASS, which is kept as table_gs_class.txt."""
    body = []
    for name, rows in tables.items():
        if name != "GS_CLASS":
            body += [name, "", *_code_block(rows), ""]
    single = ["Table: GS_CLASS  (crowdout sample, modelled)", "", *_code_block(tables["GS_CLASS"]), "",
              f"({len(tables['GS_CLASS'])} rows affected)", ""]
    return {"global_LIONS.txt": "\r\n".join(body).encode("latin-1"),
            "table_gs_class.txt": "\r\n".join(single).encode("latin-1")}


def build() -> list[Path]:
    tables = build_tables(layouts())
    block = {t: text for t, (text, _) in layouts().items()}
    disks = {
        "DISK01.ZIP": ({k: tables[k] for k in ("gs_case.txt", "gs_case_prog_cat.txt")},
                       [block["GS_CASE"], block["GS_CASE_PROG_CAT"]], ""),
        "DISK02.ZIP": ({"gs_court_hist.txt": tables["gs_court_hist.txt"]}, [block["GS_COURT_HIST"]], ""),
        "DISK03.ZIP": ({k: v for k, v in tables.items() if k.startswith("gs_participant_")},
                       [block["GS_PARTICIPANT"]], _PARTICIPANT_NOTE),
        "DISK04.ZIP": (_logs(tables), [], ""),
        "DISK05.ZIP": (_code_tables(), [], ""),
    }
    DISKS.mkdir(parents=True, exist_ok=True)
    written = []
    for disk, (files, blocks, note) in disks.items():
        path = DISKS / disk
        _zip(path, {"README.TXT": _readme(disk, files, blocks, note), **files})
        written.append(path)
    links = "\n".join(
        f'      <li><a href="/usao/page/file/ncd-sample-sepfy2019/{d}" data-basis="modelled">September 2019 '
        f'{d[:4].title()} {int(d[4:6])} (zip)</a></li>' for d in disks
    )
    RELEASE_PAGE.parent.mkdir(parents=True, exist_ok=True)
    RELEASE_PAGE.write_text(_page("National Caseload Data: September 2019 data files",
                                  f"<ul>\n{links}\n    </ul>"), encoding="utf-8")
    INDEX.parent.mkdir(parents=True, exist_ok=True)
    INDEX.write_text(_page("National Caseload Data", (
        '<ul>\n      <li><a href="/usao/resources/foia-library/national-caseload-data-sample/september-2019" '
        'data-basis="modelled">September 2019 data files</a></li>\n    </ul>')), encoding="utf-8")
    return [*written, RELEASE_PAGE, INDEX]


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<!-- crowdout SAMPLE page, laid out like the DOJ FOIA library's National Caseload Data pages. -->
<html lang="en">
  <head><meta charset="utf-8"><title>{title} | USAO | Department of Justice</title></head>
  <body>
    <h1>{title}</h1>
    <p class="sample-note">crowdout sample: the release linked here is MODELLED (invented records in EOUSA's
    Sep FY2018 file layout), not EOUSA data.</p>
    {body}
  </body>
</html>
"""


if __name__ == "__main__":
    for p in build():
        print(f"{p.stat().st_size:>10,}  {p.relative_to(SAMPLES)}")
