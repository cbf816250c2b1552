"""What loading a realistic-size EOUSA National Caseload Data release costs: wall time and peak memory.

Generates a release in the Sep FY2018 layout (the layouts from the bundled sample's EOUSA README text) at
the real Sep FY2018 record counts for GS_CASE (6,041,744 records, 2,217,320,048 bytes), GS_CASE_PROG_CAT
(3,718,502) and GS_COURT_HIST (8,262,351), and GS_PARTICIPANT split into per-district files at
`--participants` records (default 6,000,000; the real table is larger, about 2 per case plus agencies and
others). Records are space-padded like the real ones, with DD-MON-YYYY dates, some redactions and bad
years. Then times `crowdout ingest eousa-ncd DIR` in a child process on a fresh warehouse and reports its
wall-clock seconds and peak resident memory (`wait4`'s ru_maxrss), and beside it, in the same run, a floor:
plain DuckDB in a child process reading the same columns from the same files (each member unzipped as it
is, the columns sliced, trimmed and dates parsed into a table, with the loader's memory settings; no
checks, no rejects, no redaction tallies, no registry). Deletes everything it generated.

Not a test: nothing is asserted. Needs about 25 GB free under --work (default /work/tmp-eousa-bench).

    python -m benchmarks.eousa_scale [--scale 1.0] [--participants 6000000] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb

from orchestration.connectors.calendar import abbreviation
from orchestration.connectors.eousa.layouts import Column, Layout, parse_readme, table_of
from orchestration.connectors.eousa.records import DATE_TYPE, NEEDED
from orchestration.samples.build_eousa_sample import DISTRICTS
from orchestration.samples.build_eousa_sample import layouts as sample_layouts
from orchestration.warehouse.ncd_loader import LOAD_MEMORY_LIMIT

REAL_COUNTS = {"GS_CASE": 6_041_744, "GS_CASE_PROG_CAT": 3_718_502, "GS_COURT_HIST": 8_262_351}
MONTHS = tuple(abbreviation(m).upper() for m in range(1, 13))  # NCD dates read 01-JAN-2019
CHUNK = 20_000


def _template(layout: Layout, fill: dict[str, str]) -> tuple[bytearray, dict[str, tuple[int, int]]]:
    """A blank record with constant fields filled, and the (start, width) of every column."""
    line = bytearray(b" " * layout.width + b"\n")
    spans = {n: (c.begin - 1, c.end - c.begin + 1) for n, c in layout.columns.items()}
    for name, value in fill.items():
        start, width = spans[name]
        line[start:start + len(value)] = value.encode("latin-1")[:width]
    return line, spans


def _put(line: bytearray, spans, name: str, value: str) -> None:
    start, width = spans[name]
    raw = value.encode("latin-1")[:width]
    line[start:start + width] = raw + b" " * (width - len(raw))


def _date(i: int) -> str:
    if i % 50_000 == 7:
        return "11-MAR-0024"
    return f"{1 + i % 28:02d}-{MONTHS[(i // 28) % 12]}-{1995 + (i // 336) % 30}"


def _write(zf: zipfile.ZipFile, name: str, layout: Layout, records: int, row) -> int:
    """Stream `records` records into one zip member, CHUNK at a time; returns bytes written."""
    line, spans = _template(layout, {})
    size = 0
    with zf.open(name, "w", force_zip64=True) as out:
        for start in range(0, records, CHUNK):
            buf = bytearray()
            for i in range(start, min(start + CHUNK, records)):
                rec = bytearray(line)
                for col, value in row(i).items():
                    _put(rec, spans, col, value)
                buf += rec
            out.write(buf)
            size += len(buf)
    return size


def _disk(path: Path, members: dict[str, tuple[Layout, int, object]], texts: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as zf:
        sizes = {name: _write(zf, name, layout, n, row) for name, (layout, n, row) in members.items()}
        listing = "\n".join(f"10/11/2018 10:46 AM {s:>24,} {n}" for n, s in sizes.items())
        tables = sorted({layout.table for layout, _, _ in members.values()})
        readme = (f"README.TXT FILES {path.name}\n\nFile Listing:\n\n{listing}\n\nTable Layouts:\n\n\n"
                  + "\n\n\n".join(texts[t] for t in tables) + "\n")
        zf.writestr("README.TXT", readme.replace("\n", "\r\n").encode("latin-1"))


def generate(folder: Path, scale: float, participants: int) -> dict[str, int]:
    both = sample_layouts()
    layouts, texts = {t: lay for t, (_, lay) in both.items()}, {t: text for t, (text, _) in both.items()}
    n = {t: int(c * scale) for t, c in REAL_COUNTS.items()}
    n["GS_PARTICIPANT"] = participants
    cases = n["GS_CASE"]

    def district(i: int) -> str:
        return DISTRICTS[i % len(DISTRICTS)]

    def case(i):
        return {"DISTRICT": district(i), "ID": f"{1995 + i % 30}R{i // 93:05d}", "CLASS": "R" if i % 10 else "V",
                "NAME": f"USA V. DEFENDANT {i}", "RECVD_DATE": _date(i), "LIT_RESP": "CR", "BRANCH": "MAI",
                "LEAD_CHARGE": "*" if i % 997 == 0 else "08 :01326(a)", "SYS_INIT_DATE": _date(i),
                "ACCESS_DATE": _date(i), "STATUS": "AC"[i % 2]}

    def prog(i):
        c = i % cases
        return {"DISTRICT": district(c), "CASEID": f"{1995 + c % 30}R{c // 93:05d}", "PROG_CAT": ("055", "040", "053")[i % 3],
                "ID": str(i)}

    def court(i):
        c = i % cases
        return {"DISTRICT": district(c), "CASEID": f"{1995 + c % 30}R{c // 93:05d}", "ID": str(i), "COURT": ("MG", "DC")[i % 2],
                "US_ROLE": "P", "FILING_DATE": "*" if i % 1999 == 0 else _date(i + 3)}

    folder.mkdir(parents=True)
    _disk(folder / "DISK01.ZIP", {"gs_case.txt": (layouts["GS_CASE"], cases, case),
                                  "gs_case_prog_cat.txt": (layouts["GS_CASE_PROG_CAT"], n["GS_CASE_PROG_CAT"], prog)}, texts)
    _disk(folder / "DISK02.ZIP", {"gs_court_hist.txt": (layouts["GS_COURT_HIST"], n["GS_COURT_HIST"], court)}, texts)
    per = participants // len(DISTRICTS)
    groups = [DISTRICTS[i:i + 31] for i in range(0, len(DISTRICTS), 31)]
    for g, group in enumerate(groups, start=3):
        members = {}
        for d in group:
            k = DISTRICTS.index(d)

            def part(i, k=k, d=d):
                c = (i * len(DISTRICTS) + k) % cases
                return {"DISTRICT": d, "CASEID": f"{1995 + c % 30}R{c // 93:05d}", "ID": str(i), "TYPE": "AI"[i % 3 > 0],
                        "ROLE": ("IN", "D", "D")[i % 3], "DEFEND_NUM": str(i % 3), "LAST_NAME": "DOE",
                        "AGENCY": ("HSCB", "", "")[i % 3], "SYS_INIT_DATE": _date(i)}
            members[f"gs_participant_{d}.txt"] = (layouts["GS_PARTICIPANT"], per, part)
        _disk(folder / f"DISK{g:02d}.ZIP", members, texts)
    return n


def _floor_column(column: Column) -> str:
    text = f"nullif(trim(substr(line, {column.begin}, {column.end - column.begin + 1})), '')"
    value = f"CAST(try_strptime({text}, '%d-%b-%Y') AS DATE)" if column.type == DATE_TYPE else text
    return f'{value} AS "{column.name.lower()}"'


def floor(release: Path, db: Path) -> None:
    """The floor: plain DuckDB reading the needed columns of the same files into tables."""
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")
    for disk in sorted(release.iterdir()):
        with zipfile.ZipFile(disk) as zf:
            readme = parse_readme(zf.read("README.TXT").decode("latin-1"), disk.name)
            for member in zf.namelist():
                table = table_of(member, readme.layouts, NEEDED)
                if table not in NEEDED:
                    continue
                raw, names = NEEDED[table]
                columns = ", ".join(_floor_column(readme.layouts[table].columns[n]) for n in names)
                text = db.parent / member
                with zf.open(member) as src, open(text, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                source = (f"read_csv('{text}', columns = {{'line': 'VARCHAR'}}, header = false, delim = '\x1f', "
                          "quote = '', escape = '', new_line = '\\n', encoding = 'latin-1', auto_detect = false)")
                con.execute(f"CREATE TABLE IF NOT EXISTS {raw} AS SELECT {columns} FROM {source} LIMIT 0")
                con.execute(f"INSERT INTO {raw} SELECT {columns} FROM {source}")
                text.unlink()
    con.close()


def _measure(args: list[str], env: dict) -> tuple[float, float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out}")
    return seconds, usage.ru_maxrss / 1024, out  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the real record counts")
    parser.add_argument("--participants", type=int, default=6_000_000)
    parser.add_argument("--work", type=Path, default=Path("/work/tmp-eousa-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated release and warehouse")
    parser.add_argument("--reuse", action="store_true", help="load the release a --keep run left in --work")
    parser.add_argument("--floor-only", nargs=2, type=Path, metavar=("RELEASE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_only:  # the child process the floor is measured in
        floor(*args.floor_only)
        return
    work = args.work
    if work.exists() and not args.reuse:
        raise SystemExit(f"{work} exists; remove it, pass another --work, or --reuse its release")
    for old in ("crowdout.duckdb", "crowdout.build.duckdb", "landing", "floor"):  # a reused release loads afresh
        shutil.rmtree(work / old, ignore_errors=True) if (work / old).is_dir() else (work / old).unlink(missing_ok=True)
    try:
        started = time.perf_counter()
        counts = "as generated before" if args.reuse else generate(work / "release", args.scale, args.participants)
        gen_seconds = time.perf_counter() - started
        zips = sum(p.stat().st_size for p in (work / "release").iterdir())
        env = {**os.environ, "CROWDOUT_WAREHOUSE": str(work / "crowdout.duckdb"),
               "CROWDOUT_LANDING": str(work / "landing"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        crowdout = str(Path(sys.executable).with_name("crowdout"))
        seconds, peak_mib, out = _measure([crowdout, "ingest", "eousa-ncd", str(work / "release")], env)
        db_bytes = (work / "crowdout.build.duckdb").stat().st_size
        (work / "floor").mkdir()
        floor_seconds, floor_mib, _ = _measure(
            [sys.executable, "-m", "benchmarks.eousa_scale", "--floor-only", str(work / "release"),
             str(work / "floor" / "floor.duckdb")], env)
        print(out)
        print(f"records: {counts}")
        print(f"generated in {gen_seconds:.0f} s; zips {zips / 1e9:.2f} GB")
        print(f"crowdout ingest eousa-ncd: {seconds:.0f} s wall, peak RSS {peak_mib:,.0f} MiB; "
              f"build warehouse {db_bytes / 1e9:.2f} GB")
        print(f"floor, plain DuckDB on the same files and columns: {floor_seconds:.0f} s wall, "
              f"peak RSS {floor_mib:,.0f} MiB")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
