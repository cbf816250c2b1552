"""Atomic publish: analysts read a file the writer never writes in place, and that never shrinks by surprise.

The writer builds in its own file; publishing copies it beside the published path and renames it over
the old one. A reader with the old file open keeps reading the old inode; a new reader gets the new
file; nobody ever sees a half-built warehouse, and a reader never holds a lock the writer needs.

Before the swap the build is compared with what analysts read now (months per mart, rows per mart,
releases per family): a build that would lose any of it (a range refresh on a fresh build file, a
truncated release that slipped through) is refused, naming the loss, unless the caller allows it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from orchestration.warehouse.schema import ensure_schema

# A DuckDB file starts with three 4 KiB headers (one main, two database headers), then its blocks.
_FILE_HEADERS = 3 * 4096


class PublishRefused(RuntimeError):
    """The build holds less than the published warehouse; the published file was left as it was."""


@dataclass
class Inventory:
    """What a warehouse file offers analysts, in the terms a loss is noticed in."""

    rows: dict[str, int] = field(default_factory=dict)  # marts table -> rows
    months: dict[str, set[date]] = field(default_factory=dict)  # marts table with a month column -> months
    releases: dict[str, int] = field(default_factory=dict)  # family -> releases loaded or withdrawn


def inventory(path: Path) -> Inventory:
    con = duckdb.connect(str(path), read_only=True)
    try:
        inv = Inventory()
        tables = con.execute(
            """SELECT table_name, bool_or(column_name = 'month') FROM information_schema.columns
               WHERE table_schema = 'marts' GROUP BY table_name ORDER BY table_name"""
        ).fetchall()
        for table, has_month in tables:
            inv.rows[table] = con.execute(f'SELECT count(*) FROM marts."{table}"').fetchone()[0]
            if has_month:
                inv.months[table] = {m for (m,) in con.execute(
                    f'SELECT DISTINCT CAST(month AS DATE) FROM marts."{table}" WHERE month IS NOT NULL').fetchall()}
        try:
            inv.releases = dict(con.execute(
                """SELECT family, count(*) FROM meta.releases WHERE status IN ('loaded', 'withdrawn')
                   GROUP BY family""").fetchall())
        except duckdb.CatalogException:
            pass
        return inv
    finally:
        con.close()


@dataclass
class Changes:
    """What a publish changes for analysts, by release: new in the file they read, or left out of it."""

    published: list[str] = field(default_factory=list)  # release ids loaded in the build, not published yet
    withdrawn: list[tuple[str, str]] = field(default_factory=list)  # (release id, reason) published, now withdrawn


def changes(build_warehouse: Path, published: Path) -> Changes:
    """Releases the build adds to, or withdraws from, what analysts read now."""
    def by_status(path: Path) -> dict[str, tuple[str, str]]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return {r: (status, error or "") for r, status, error in con.execute(
                "SELECT release_id, status, error FROM meta.releases WHERE status IN ('loaded', 'withdrawn')"
            ).fetchall()}
        except duckdb.CatalogException:
            return {}
        finally:
            con.close()

    now = by_status(published) if published.exists() else {}
    build = by_status(build_warehouse)
    return Changes(
        published=sorted(r for r, (status, _) in build.items() if status == "loaded" and now.get(r, ("",))[0] != "loaded"),
        withdrawn=sorted((r, reason) for r, (status, reason) in build.items()
                         if status == "withdrawn" and now.get(r, ("",))[0] == "loaded"),
    )


def _span(months: set[date]) -> str:
    ordered = sorted(months)
    if len(ordered) == 1:
        return f"{ordered[0]:%Y-%m}"
    return f"{len(ordered)} months, {ordered[0]:%Y-%m} .. {ordered[-1]:%Y-%m}"


def losses(published: Inventory, build: Inventory) -> list[str]:
    """Everything analysts have now that the build would take away, one line each."""
    lost = []
    for table, rows in published.rows.items():
        if table not in build.rows:
            lost.append(f"marts.{table}: the whole table ({rows:,} rows)")
            continue
        gone = published.months.get(table, set()) - build.months.get(table, set())
        if gone:
            lost.append(f"marts.{table}: {_span(gone)}")
        if build.rows[table] < rows:
            lost.append(f"marts.{table}: {rows - build.rows[table]:,} of its {rows:,} rows")
    for family, count in published.releases.items():
        if build.releases.get(family, 0) < count:
            lost.append(f"meta.releases: {family} would have {build.releases.get(family, 0):,} releases, not {count:,}")
    return lost


def unusable_published(published: Path, problem: str) -> str:
    """What an operator reads when the analysts' file is broken, with the way out."""
    return (f"the published warehouse {published} is unusable: {problem} (corrupt or cut short). Analysts "
            "cannot read it. `crowdout refresh --force --allow-shrink` publishes the build file over it "
            "(--allow-shrink, since a broken file cannot be compared with the build).")


def file_problem(path: Path) -> str | None:
    """Why a warehouse file (the build file or the published one) cannot be used, or None: empty (a write
    killed at its start), not a DuckDB file (cut short, overwritten), or without the release registry
    (deleted mid-run and created again empty by the next connection)."""
    if path.stat().st_size == 0:
        return "it is empty"
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return f"it cannot be opened ({str(exc).splitlines()[0]})"
    try:
        # Used blocks, not total ones: a checkpoint cuts free blocks off the end of the file yet still
        # counts them (a publish after a withdrawal and a restore left a sound file 1 of 8 blocks short).
        blocks, block_size = con.execute("SELECT used_blocks, block_size FROM pragma_database_size()").fetchall()[0]
        con.execute("SELECT count(*) FROM meta.releases").fetchall()
    except duckdb.Error:
        return "it has no release registry (meta.releases)"
    finally:
        con.close()
    expected = blocks * block_size + _FILE_HEADERS
    wal = path.with_name(path.name + ".wal").exists()  # a killed writer's log: the next writer replays it
    if not wal and path.stat().st_size < expected:  # DuckDB opens a file cut short; its lost blocks fail later
        return f"it is cut short: {path.stat().st_size:,} bytes, its blocks in use need {expected:,}"
    return None


def seed_build(build_warehouse: Path, published: Path) -> str | None:
    """Start the build file from the published warehouse when it is missing, or when it is empty,
    corrupt or lost its registry (the bad file is kept aside, `<build>.broken-<time>`, for inspection):
    a refresh then adds to what analysts have, and the next fetch brings back any release loaded only
    into the lost build (their files are still in the landing folder). Copied under a temp name and
    renamed, so a killed copy leaves no half build. Callers hold the writer lock. Returns what was
    wrong when it copied, else None."""
    if build_warehouse.exists():
        problem = file_problem(build_warehouse)
        if problem is None:
            return None
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = build_warehouse.with_name(f"{build_warehouse.name}.broken-{stamp}")
        os.replace(build_warehouse, aside)
        wal = build_warehouse.with_name(build_warehouse.name + ".wal")
        if wal.exists():
            os.replace(wal, aside.with_name(aside.name + ".wal"))
        problem = f"the build file {build_warehouse} was unusable ({problem}); kept as {aside.name}"
    else:
        problem = f"there was no build file at {build_warehouse}"
    if not published.exists():
        return problem
    broken = file_problem(published)
    if broken:
        return f"{problem}; not started from the published warehouse, which is unusable too ({broken})"
    build_warehouse.parent.mkdir(parents=True, exist_ok=True)
    tmp = build_warehouse.with_name(f".{build_warehouse.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(published, tmp)
        os.replace(tmp, build_warehouse)
    finally:
        tmp.unlink(missing_ok=True)
    return f"{problem}: started again from the published warehouse"


def publish(build_warehouse: Path, published: Path, *, allow_shrink: bool = False, run_id: str | None = None) -> Path:
    """Refuse a build that would lose months, rows or releases analysts have now (unless
    `allow_shrink`), record the publish in meta.publishes (with the Dagster run that built it, when one
    did, so `crowdout status` can say which run built what analysts read), checkpoint the build file (so it is
    self-contained), then copy and rename it into place.

    Callers hold the writer lock, so any temp copy already there is a killed publish's leftover."""
    if published.exists() and not allow_shrink:
        broken = file_problem(published)
        if broken:
            raise PublishRefused(f"publish refused: {unusable_published(published, broken)}")
        lost = losses(inventory(published), inventory(build_warehouse))
        if lost:
            raise PublishRefused(
                f"publish refused: the build would lose what analysts read now in {published}:\n"
                + "\n".join(f"  - {line}" for line in lost)
                + "\nThe published warehouse is unchanged. If the loss is intended (a withdrawn or corrected "
                "release), run `crowdout refresh --allow-shrink`."
            )
    con = duckdb.connect(str(build_warehouse))
    try:
        ensure_schema(con, [])
        con.execute("""INSERT INTO meta.publishes (published_at, releases_loaded, run_id)
                       SELECT now(), count(*), ? FROM meta.releases WHERE status = 'loaded'""", [run_id])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    for stale in published.parent.glob(f".{published.name}.*.tmp"):  # left by a publish that was killed
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(build_warehouse, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, published)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return published
