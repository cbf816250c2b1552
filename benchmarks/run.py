"""What a refresh costs, measured on the bundled sample: `python -m benchmarks.run [--quick]`.

Every figure is one child process, timed by wall clock, its peak memory the kernel's own count for that
child (wait4's ru_maxrss, which includes the grandchildren it waited for), each in a fresh work folder so
nothing is warm but the OS page cache. Prints one table; benchmarks/README.md records a run and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from benchmarks import history, make_floor
from orchestration.config import DBT_PROJECT_DIR
from orchestration.dbt_manifest import BUILD_ARGS

BIN = Path(sys.executable).parent
INGEST_ALL = (
    "from orchestration.warehouse import ingest; from orchestration.config import load_settings; "
    "from orchestration.connectors.catalog import FAMILIES; s = load_settings(); "
    "failed = [r.error for f in FAMILIES for r in ingest.ingest_family(s, f) if r.status == 'failed']; "
    "assert not failed, failed"
)
RUN_FLOOR = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute(open(sys.argv[2]).read()); con.close()"
IMPORT_LIBS = "import dagster, dagster_dbt"
LOAD_DEFS = "from orchestration.defs import defs; defs().resolve_asset_graph()"
# In a fresh clone (argv[1]), after the README's install step has prepared dbt's manifest there.
FIRST_LOAD = (
    "import sys, orchestration; assert orchestration.__file__.startswith(sys.argv[1]), orchestration.__file__; "
    "from orchestration.defs import defs; defs().resolve_asset_graph()"
)
PREPARE = ["project", "prepare-and-package", "--file", "orchestration/dbt_manifest.py"]
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Figure:
    what: str
    seconds: float
    peak_mib: float
    note: str = ""


def workdir_env(work: Path, releases_toml: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "CROWDOUT_WAREHOUSE": str(work / "w.duckdb"),
        "CROWDOUT_LANDING": str(work / "landing"),
        "CROWDOUT_DBT_DATABASE": str(work / "w.build.duckdb"),
        "CROWDOUT_SOURCES": "sample",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }
    env.pop("DAGSTER_HOME", None)
    if releases_toml:
        env["CROWDOUT_RELEASES_TOML"] = str(releases_toml)
    return env


def timed(what: str, argv: list[str], env: dict[str, str], note: str = "", cwd: Path | None = None) -> Figure:
    """Run one child to completion; fail loudly, since a failed run's time means nothing."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(output.decode(errors="replace")[-4000:])
        raise SystemExit(f"{what}: {' '.join(argv[:3])} exited {proc.returncode}")
    return Figure(what, seconds, usage.ru_maxrss / 1024, note)


def refresh(what: str, env: dict[str, str], note: str = "") -> Figure:
    return timed(what, [str(BIN / "crowdout"), "refresh"], env, note)


def ingest_all(env: dict[str, str]) -> Figure:
    from orchestration.connectors.catalog import FAMILIES

    return timed(f"ingestion alone ({len(FAMILIES)} families)", [sys.executable, "-c", INGEST_ALL], env)


def dbt_build(env: dict[str, str], target: Path) -> Figure:
    return timed(
        "dbt build alone (models, seeds, data tests)",
        [str(BIN / "dbt"), *BUILD_ARGS, "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target / "logs")],
        env,
    )


def dbt_model_seconds(target: Path) -> float:
    """Time dbt itself reports executing models and seeds: the SQL, without parsing, startup and tests."""
    import json

    results = json.loads((target / "run_results.json").read_text())["results"]
    return sum(r["execution_time"] for r in results if r["unique_id"].split(".")[0] in ("model", "seed"))


def _mart_counts(warehouse: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0] for t in tables}
    finally:
        con.close()


def _cbp_releases(work: Path) -> int:
    """CBP releases the registry holds as loaded: proves each edition went in as a release of its own."""
    import duckdb

    con = duckdb.connect(str(work / "w.build.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT count(*) FROM meta.releases WHERE family LIKE 'cbp-%' AND status = 'loaded'").fetchone()[0]
    finally:
        con.close()


def sample_figures(quick: bool) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory(prefix="crowdout-bench-") as tmp:
        cold = Path(tmp) / "cold"
        figures.append(refresh("cold full refresh (sample)", workdir_env(cold)))
        figures.append(refresh("refresh again, nothing new", workdir_env(cold)))

        split = Path(tmp) / "split"
        env = workdir_env(split)
        figures.append(ingest_all(env))
        raw_only = Path(tmp) / "raw-only.duckdb"
        shutil.copyfile(split / "w.build.duckdb", raw_only)
        # The floor script, compiled from the models as they are now (on a copy: compiling is not measured).
        shutil.copyfile(split / "w.build.duckdb", Path(tmp) / "compile.duckdb")
        floor_sql = make_floor.write_floor(Path(tmp) / "compile.duckdb", Path(tmp) / "floor.sql")
        target = Path(tmp) / "target"
        figures.append(dbt_build(env, target))
        figures.append(Figure("  of which dbt's own model+seed timings", dbt_model_seconds(target), float("nan")))
        floor_runs = []
        for run in range(1 if quick else 3):  # each on its own copy of the raw-only file, as cold as dbt's
            floor_db = Path(tmp) / f"floor-{run}.duckdb"
            shutil.copyfile(raw_only, floor_db)
            floor_runs.append(timed("floor: the same transforms as one DuckDB script",
                                    [sys.executable, "-c", RUN_FLOOR, str(floor_db), str(floor_sql)], env))
        floor = min(floor_runs, key=lambda f: f.seconds)
        if _mart_counts(split / "w.build.duckdb") != _mart_counts(floor_db):
            raise SystemExit("the floor script's marts differ in row counts from dbt's: it is not the same work")
        floor.note = (f"best of {len(floor_runs)}; dbt build / floor = {figures[-2].seconds / floor.seconds:.1f}x; "
                      "marts' row counts equal dbt's")
        figures.append(floor)
        # Issue 20's measure of the orchestration's cost: the cold refresh against the same releases
        # ingested by plain Python plus the same transforms in plain DuckDB, all from this one run.
        cold_figure, ingestion = figures[0], figures[2]
        cold_figure.note = (f"{cold_figure.seconds / (ingestion.seconds + floor.seconds):.2f}x (ingestion alone "
                            "+ floor)")
        figures += definitions_figures(Path(tmp), env)
    return figures


def definitions_figures(tmp: Path, env: dict[str, str]) -> list[Figure]:
    """Loading the code location against importing dagster and dagster_dbt alone; and, in a fresh clone of
    the committed tree, preparing dbt's manifest as the README's install step does, then the first load."""
    libs = timed("import dagster and dagster_dbt alone", [sys.executable, "-c", IMPORT_LIBS], env)
    load = timed("load the Dagster definitions (manifest prepared)", [sys.executable, "-c", LOAD_DEFS], env)
    load.note = f"{load.seconds / libs.seconds:.2f}x the imports alone"
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # as the README runs it: in the activated virtualenv, where dagster-dbt finds dbt on PATH
    clone_env = {**env, "PYTHONPATH": str(clone), "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}
    prepare = timed("prepare dbt's manifest in a fresh clone (the README's install step)",
                    [str(BIN / "dagster-dbt"), *PREPARE], clone_env, cwd=clone)
    prepare.note = "once per install or change to the dbt project; `dbt parse`"
    first = timed("first load in that fresh clone", [sys.executable, "-c", FIRST_LOAD, str(clone)], clone_env, cwd=clone)
    first.note = f"{first.seconds / libs.seconds:.2f}x the imports alone"
    return [libs, load, prepare, first]


def history_figures(factors: list[int], scale: list[int]) -> Iterator[Figure]:
    """Realistic history: k editions of each CBP file loaded as k releases, then one more edition.
    Scale: one release of each CBP file with k times the sample's rows."""
    rows = history.sample_rows()
    for factor in factors:
        with tempfile.TemporaryDirectory(prefix=f"crowdout-bench-{factor}x-") as tmp:
            root = Path(tmp)
            env = workdir_env(root / "w", history.make_editions_site(root / "site", range(factor)))
            cold = refresh(f"cold full refresh, {factor}x history", env,
                           f"{factor} editions of each CBP file, {rows * factor:,} CBP rows")
            cold.note += f"; {_cbp_releases(root / 'w')} CBP releases loaded"
            yield cold
            history.make_editions_site(root / "site", range(factor, factor + 1))
            new = refresh(f"one new month, {factor}x history", env, f"edition {factor + 1} of each CBP file, {rows:,} rows")
            new.note += f"; {_cbp_releases(root / 'w')} CBP releases loaded"
            yield new
    for factor in scale:
        with tempfile.TemporaryDirectory(prefix=f"crowdout-bench-{factor}x-") as tmp:
            root = Path(tmp)
            env = workdir_env(root / "w", history.make_site(root / "site", factor))
            yield refresh(f"scale: full refresh, {factor}x the sample's CBP rows", env, f"{rows * factor:,} CBP rows")


def machine() -> list[str]:
    import dagster
    import dbt.version
    import duckdb

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    compiled = any((Path(dagster.__file__).parent / "__pycache__").glob("*.pyc"))
    return [
        f"cpu: {cpu}, {os.cpu_count()} cores; memory {mem / 1024 / 1024:.1f} GiB; {platform.platform()}",
        f"installed packages compiled to bytecode: {'yes' if compiled else 'NO (every start compiles them)'}",
        f"python {platform.python_version()}, duckdb {duckdb.__version__}, dbt-core {dbt.version.__version__}, "
        f"dagster {dagster.__version__}",
    ]


HEADER = "| what | wall s | peak MiB | note |\n|---|---:|---:|---|"


def row(f: Figure) -> str:
    peak = "" if f.peak_mib != f.peak_mib else f"{f.peak_mib:,.0f}"
    return f"| {f.what} | {f.seconds:,.1f} | {peak} | {f.note} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the sample figures and 3x history only")
    parser.add_argument("--skip-sample", action="store_true", help="history and scale figures only")
    parser.add_argument("--history", type=int, nargs="*", help="history factors: k editions of each CBP file (default 3 10 30)")
    parser.add_argument("--scale", type=int, nargs="*", help="full-refresh scale factors: k times the rows in one release (default 100)")
    args = parser.parse_args(argv)
    factors = args.history if args.history is not None else ([3] if args.quick else [3, 10, 30])
    scale = args.scale if args.scale is not None else ([] if args.quick else [100])
    print("\n".join(machine()))
    print(HEADER, flush=True)
    # Each figure as soon as it is measured, so a run stopped midway still reports what it measured.
    for figure in [] if args.skip_sample else sample_figures(args.quick):
        print(row(figure), flush=True)
    for figure in history_figures(factors, scale):
        print(row(figure), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
