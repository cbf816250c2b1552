"""The `crowdout` command: thin argument handling over plain functions elsewhere in the package."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from rich.console import Console

from orchestration.analysis import layout
from orchestration.analysis.reader import AnalysisError
from orchestration.config import load_settings

# The terminal's width, or COLUMNS, or 80 when piped (rich's own rule): tables are laid out to fit it.
console = Console()
err_console = Console(stderr=True)


def _print_results(results) -> None:
    """One block per release: what an operator needs to find the file and the rows again."""
    colours = {"failed": "red", "loaded": "green"}
    for r in results:
        colour = colours.get(r.status, "yellow")
        console.print(f"[bold {colour}]{r.status}[/]  {r.ref.family}  {r.ref.key}")
        rows = [("url", r.ref.url)]
        if r.release_id:
            rows.append(("release_id", r.release_id))
        rows += [(f"raw.{t}", f"{n:,} rows") for t, n in r.table_rows.items()]
        if r.months:
            rows.append(("months", f"{min(r.months):%Y-%m} .. {max(r.months):%Y-%m} ({len(set(r.months))})"))
        if r.sha256:
            rows.append(("sha256", r.sha256))
        if r.landing_path:
            rows.append(("landed at", r.landing_path))
        if r.ref.is_modelled:
            rows.append(("figures", "MODELLED"))
        if r.error:
            rows.append(("error", r.error))
        for label, value in rows:
            console.print(f"  {label:<26} {value}", soft_wrap=True, highlight=False)


def cmd_ingest(args: argparse.Namespace) -> int:
    from orchestration import ingest
    from orchestration.sources import http
    from orchestration.warehouse.lock import writer_lock

    settings = load_settings(live=args.live)
    ref = ingest.ref_for_location(settings, args.source, args.location, is_modelled=args.modelled)
    with writer_lock(settings.build_warehouse):
        con = ingest.connect_build(settings)
        try:
            result = ingest.ingest_release(settings, con, http.make_session(settings.releases["http"]), ref)
        finally:
            con.close()
    _print_results([result])
    if result.status == "not_published":  # named by hand, so it must exist: a typo is not a success
        err_console.print(f"[red]error:[/] {result.error}")
        err_console.print("Nothing was loaded. Check the path or URL and run the command again.")
        return 1
    if result.status == "failed":
        err_console.print(f"[red]error:[/] {result.error}")
        err_console.print("The raw tables are unchanged; the landed file (if any) is kept. Fix the "
                          "release or the parser and run the same command again.")
        return 1
    if result.status == "loaded":
        console.print("Loaded into the build warehouse; `crowdout refresh` rebuilds the marts and publishes "
                      "it for analysts.")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from orchestration.analysis import publisher_url, query

    settings = load_settings()
    warehouse = settings.warehouse
    if args.output is not None:
        query.check_output(settings, args.output)
    timeout = settings.releases["query"]["timeout_seconds"] if args.timeout is None else args.timeout
    table = publisher_url.with_publisher_urls(query.run(warehouse, args.sql, timeout_s=timeout))
    warning = query.modelled_warning(warehouse, table)
    if warning:
        err_console.print(f"[yellow]{warning}[/]")  # stderr: csv/json on stdout stay clean
    if args.format == "table" and args.output is None:
        console.print(query.to_rich(table, args.limit, console.width))
    else:
        query.write(table, "csv" if args.format == "table" else args.format, args.output)
        if args.output is not None:
            err_console.print(f"{table.num_rows:,} rows written to {args.output}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from orchestration import ingest
    from orchestration.warehouse import registry
    from orchestration.warehouse.lock import writer_lock

    settings = load_settings()
    with writer_lock(settings.build_warehouse):
        con = ingest.connect_build(settings)
        try:
            if args.action == "withdraw":
                landed = registry.withdraw(con, args.release_id, args.reason)
            else:
                landed = registry.restore(con, args.release_id)
        except registry.UnknownRelease as exc:
            err_console.print(f"[red]error:[/] {exc}")
            return 1
        finally:
            con.close()
    done = "withdrawn" if args.action == "withdraw" else "restored"
    console.print(f"{args.release_id} {done}; it stays in meta.releases and its landed file stays at {landed}.")
    console.print(f"The next `crowdout refresh` rebuilds every mart {'without' if done == 'withdrawn' else 'with'} "
                  "it. If analysts would lose months or rows they have now, that publish is refused until "
                  "run with --allow-shrink.", soft_wrap=True)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from rich.table import Table

    from orchestration.analysis import export
    from orchestration.analysis.progress import steps

    warehouse = load_settings().warehouse
    tables = export.tables_to_export(warehouse)
    with steps("exporting", len(tables)) as step:
        done = export.export(warehouse, args.dir, tables, step)
    table = Table(title=f"Exported to {args.dir}: <table>.parquet and <table>.csv", title_justify="left")
    table.add_column("table", no_wrap=True)
    table.add_column("rows", justify="right")
    for d in done:
        table.add_row(d.table, f"{d.rows:,}")
    console.print(table)
    console.print(f"Data dictionary: {args.dir / 'data_dictionary.csv'} (and .md)", soft_wrap=True)
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from orchestration.analysis import metrics_table, query

    view = metrics_table.load(load_settings().warehouse, args.geography,
                              metrics_table.parse_month(args.start), metrics_table.parse_month(args.end))
    if args.format == "table":
        console.print(metrics_table.to_rich(view, console.width, wide=args.wide))
        for line in metrics_table.summary(view):
            console.print(line)
    else:
        query.write(view.data, args.format, args.output)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from orchestration.analysis import report
    from orchestration.analysis.metrics_table import parse_month
    from orchestration.analysis.progress import steps

    settings = load_settings()
    output = args.output or settings.data_dir / "report" / "crowdout-report.html"
    data = report.load(settings.warehouse, args.start and parse_month(args.start), args.end and parse_month(args.end))
    with steps("drawing", report.CHART_COUNT + 1) as step:
        html_path, pngs = report.write(data, output, step)
    console.print(f"Report: {html_path}", soft_wrap=True)  # a path cut in two cannot be pasted
    for png in pngs:
        console.print(f"  chart: {png}", soft_wrap=True)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from orchestration.analysis import docs

    settings = load_settings()
    with console.status("dbt docs generate (on a copy of the warehouse)…"):
        page = docs.generate(settings)
    console.print(f"dbt docs generated: {page} (opens offline) and {page.with_name('index.html')}", soft_wrap=True)
    if args.no_serve:
        return 0
    console.print(f"Serving on http://127.0.0.1:{args.port}/ — Ctrl-C to stop.")
    return docs.serve(settings, args.port)


def _fmt(value, column: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if column.endswith("share") else f"{value:,.0f}"


def _print_summary(warehouse) -> None:
    from orchestration import summary
    from orchestration.analysis import reconcile

    s = summary.read_summary(warehouse)
    march, june = s.months
    table = layout.table(f"{summary.GEOGRAPHY} prosecutions and apprehensions, {march:%B} vs {june:%B %Y} "
                         "(published warehouse)")
    for col in ("figure", f"{march:%b %Y}", f"{june:%b %Y}", "change", "basis", "article"):
        table.add_column(col, justify="left" if col in ("figure", "basis") else "right", no_wrap=True)
    notes = []
    for column, label in summary.FIGURES:
        before, after = s.figures[column][march], s.figures[column][june]
        if column.endswith("share"):
            delta = "n/a" if None in (before, after) else f"{(after - before) * 100:+.1f} pts"
        else:
            pct = summary.change(before, after)
            delta = "n/a" if pct is None else f"{pct:+.1%}"
        figures = s.published[column]
        published = " / ".join(reconcile.fmt(f.published, f.kind) for f in figures)
        note = next((f.note for f in figures if f.note), "")
        if note:
            notes.append(note)
            published += " " + "†" * len(notes)
        table.add_row(label, _fmt(before, column), _fmt(after, column), delta,
                      s.bases[column], published,
                      style="italic yellow" if s.modelled[column] else None)
    console.print(layout.fit(table, console.width, "figure"))
    for i, note in enumerate(notes, start=1):
        console.print(f"{'†' * i} {note}")
    console.print("article: the seed article's published figures (TRAC, CBP).", style="dim")
    console.print(summary.basis_sentence(s))
    console.print(f"{s.releases_loaded:,} releases loaded from {s.families} families "
                  f"({s.modelled_releases:,} modelled).")


LISTED = 12  # rows of a "new this run" list shown before pointing at the command that gives them all


def _print_releases(title: str, releases) -> None:
    """Releases (summary.NewRelease) as a table: one row each, or one per family when there are many
    (a first refresh loads hundreds)."""
    by_family = len(releases) > LISTED
    table = layout.table(f"{title}: {len(releases):,}" + (", by family" if by_family else ""))
    for col in ("family", "releases" if by_family else "file", "months", "rows"):
        table.add_column(col, no_wrap=True, justify="right" if col in ("releases", "rows") else "left")
    groups: dict[tuple, list] = {}
    for r in releases:
        groups.setdefault((r.family,) if by_family else (r.family, r.file), []).append(r)
    for rs in groups.values():
        first = min((r.first_month for r in rs if r.first_month), default=None)
        last = max((r.last_month for r in rs if r.last_month), default=None)
        span = f"{_month(first)}..{_month(last)}" if first != last else _month(first)
        table.add_row(rs[0].family, f"{len(rs):,}" if by_family else rs[0].file, span,
                      f"{sum(r.rows or 0 for r in rs):,}")
    console.print(layout.fit(table, console.width, "release"))


def _print_changes(title: str, rows: list[dict], fetched: bool = False) -> None:
    """Changed figures (revisions.RESTATED rows): month, figure, before, after, change; modelled in italics."""
    table = layout.table(title)
    for col in ("fetched",) * fetched + ("month", "figure", "before", "after", "change"):
        table.add_column(col, no_wrap=True, justify="right" if col in ("before", "after", "change") else "left")
    for r in rows:
        pct = "" if r["pct_change"] is None else f" ({r['pct_change']:+.1%})"
        table.add_row(*(f"{r['fetched_at']:%Y-%m-%d}",) * fetched, _month(r["month"]), r["figure"],
                      f"{r['previous']:,}", f"{r['current']:,}", f"{r['change']:+,}{pct}",
                      style="italic yellow" if r["is_modelled"] else None)
    console.print(layout.fit(table, console.width, "figure"))


def _print_new_this_run(new) -> None:
    """The refresh's own news: releases new this run, figures they changed, releases that failed."""
    since = new.since.replace("T", " ")
    console.print(f"[bold]New this run[/] (since {since}):")
    if not new.releases:
        console.print("  no new releases: every release found was already loaded")
    else:
        _print_releases("Releases loaded", new.releases)
    if new.changed:
        _print_changes(f"Figures changed by restated releases: {len(new.changed):,} "
                       f"({new.unchanged:,} restated unchanged)", new.changed[:LISTED])
        if len(new.changed) > LISTED:
            console.print(f"  … {len(new.changed) - LISTED:,} more: crowdout revisions --since {new.since[:10]}")
    elif new.unchanged:
        console.print(f"  {new.unchanged:,} figures restated, none changed")
    else:
        console.print("  no figures restated")
    from orchestration import failures

    for g in failures.group((r["family"], f"{r['family']} {r['file']}: {r['error']}") for r in new.not_loaded
                            if r["status"] == "failed"):
        console.print(f"  [red]failed[/] {g.line()}", soft_wrap=True, highlight=False)
    for r in new.not_loaded:
        if r["status"] != "failed":
            console.print(f"  [red]{r['status']}[/] {r['family']} {r['file']}: {r['error']}", soft_wrap=True)
    if not new.not_loaded:
        console.print("  nothing failed or withdrawn")


def cmd_revisions(args: argparse.Namespace) -> int:
    from orchestration.analysis import query, revisions

    since = revisions.parse_since(args.since) if args.since else None
    found = revisions.load(load_settings().warehouse, args.family, since)
    if args.format != "table":
        query.write(found.changed, args.format, args.output)
        return 0
    scope = f"{args.family or 'every family'}" + (f", releases fetched since {since}" if since else "")
    if found.changed.num_rows == 0:
        console.print(f"No figure changed ({scope}): {found.releases:,} restating releases, "
                      f"{found.unchanged:,} figures restated with the same value.")
        return 0
    console.print(f"[bold]Figures changed by restated releases[/] ({scope}), newest release first:")
    rows = found.changed.to_pylist()
    for family in dict.fromkeys(r["family"] for r in rows):  # one table per family, in the rows' order
        _print_changes(family, [r for r in rows if r["family"] == family], fetched=True)
    console.print(f"{found.changed.num_rows:,} figures changed in {found.releases:,} restating releases; "
                  f"{found.unchanged:,} restated with the same value. Modelled figures in italics; "
                  "--format csv|json for every column (release ids included).")
    return 0


def _alert(settings, run_id: str | None, message: str, failed_steps: list[str]) -> None:
    from orchestration import alerts

    problem = alerts.alert(settings, run_id=run_id, job="refresh", message=message, failed_steps=failed_steps,
                           trigger="cli")
    where = f" and posted to {settings.alert_webhook}" if settings.alert_webhook and not problem else ""
    err_console.print(f"Failure recorded in {alerts.failure_log(settings)}{where}.")
    if problem:
        err_console.print(f"[yellow]warning:[/] {problem}")


def cmd_refresh(args: argparse.Namespace) -> int:
    from contextlib import ExitStack
    from datetime import datetime

    from rich.table import Table

    from orchestration import failures, refresh
    from orchestration.analysis.progress import steps

    settings = load_settings(live=args.live or None)
    source = "the publishers' live sites" if settings.live else "the bundled sample releases"
    console.print(f"Refresh from {source}: releases -> raw -> dbt -> publish")
    try:
        with ExitStack() as stack:
            bar = {}

            def on_start(total: int) -> None:  # a run is due: its log is this run's, not the last one's
                console.print(f"(this run's dbt log: {refresh.refresh_log(settings)})", soft_wrap=True)
                bar["step"] = stack.enter_context(steps("refresh", total=total))

            outcome = refresh.run_refresh(settings, force=args.force, allow_shrink=args.allow_shrink,
                                          on_start=on_start, on_step=lambda step: bar["step"](step))
    except Exception as exc:  # the run never finished: cron must hear of it as of a failed run
        _alert(settings, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, [])
        raise
    if outcome.nothing_new:
        since = datetime.fromisoformat(outcome.published_at).strftime("%Y-%m-%d %H:%M UTC")
        console.print(f"nothing new since {since}; the warehouse is unchanged ({outcome.seconds:.1f}s)")
        return 0
    from orchestration import summary  # pandas: only once a run happened

    console.print("New: " + "; ".join(failures.reasons(outcome.new)))
    table = Table(title=f"Dagster run {outcome.run_id} ({outcome.instance} instance)")
    for col in ("step", "status", "seconds"):
        table.add_column(col)
    for step in outcome.steps:
        style = {"failed": "red", "skipped": "yellow"}.get(step["status"], "green")
        table.add_row(step["step"], f"[{style}]{step['status']}[/]",
                      "" if step["seconds"] is None else f"{step['seconds']:.1f}")
    console.print(table)
    for check in outcome.failed_checks:
        colour = "red" if check["severity"] == "ERROR" else "yellow"
        console.print(f"[{colour}]check {check['severity']}[/] {check['asset']} {check['check']}: "
                      f"{check['description']}")
    if not outcome.success:
        for error in outcome.errors:  # a family's failed releases: one line per cause (all in the run's log)
            first, *rest = failures.error(error)
            err_console.print(f"[red]error:[/] {first}", soft_wrap=bool(rest))
            for line in rest:
                err_console.print(line, soft_wrap=True, highlight=False)
        err_console.print(f"Refresh failed after {outcome.seconds:.0f}s; analysts still read the previous "
                          f"warehouse ({settings.warehouse}). `crowdout status` shows what is failing.")
        _alert(settings, outcome.run_id, "; ".join(e.splitlines()[0] for e in outcome.errors) or "run failed",
               [s["step"] for s in outcome.steps if s["status"] == "failed"])
        try:  # what the run did load or fail to load is in the build file, unpublished
            _print_new_this_run(summary.new_this_run(settings.build_warehouse, outcome.started_at))
        except AnalysisError as exc:
            err_console.print(f"(what this run loaded cannot be listed: {exc})")
        return 1
    console.print(f"Refresh done in {outcome.seconds:.0f}s; published {settings.warehouse}")
    _print_summary(settings.warehouse)
    new = summary.new_this_run(settings.warehouse, outcome.started_at)
    _print_new_this_run(new)
    summary.keep_with_run(settings, outcome.run_id, new)
    return 0


def _month(value) -> str:
    return f"{value:%Y-%m}" if value else "–"


def cmd_status(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from orchestration import failures
    from orchestration import status as status_mod

    settings = load_settings()
    st = status_mod.gather(settings)
    published = st.published_at.strftime("%Y-%m-%d %H:%M UTC") if st.published_at else "never"
    console.print(f"[bold]Published file[/] (what analysts read): {st.warehouse}", soft_wrap=True)
    built_by = f" by Dagster run {st.published_by_run}" if st.published_by_run else ""
    console.print(f"  published {published}{built_by}; refresh freshness {st.freshness}")
    table = layout.table("Releases in the published file, and how far their data reaches")
    for col in ("family", "files", "data months", "due", "recency", "loaded"):
        table.add_column(col, no_wrap=True)
    for f in st.families:
        r = f.recency
        colour = {"FAIL": "red", "WARN": "yellow"}.get(r.state, "green")
        table.add_row(f.family + (" ‡" if f.modelled else ""), f"{f.loaded:,}",
                      f"{_month(f.first_month)}..{_month(f.last_month)}", _month(r.expected),
                      f"[{colour}]{r.state}[/]" + (f" -{r.months_behind}mo" if r.months_behind else ""),
                      f.freshness)
    console.print(layout.fit(table, console.width, "family"))
    console.print("  due: the last month the data should reach, given the publisher's lag (releases.toml "
                  "publication_lag_days); recency: against it, with months behind; loaded: the family's "
                  "last load against the monthly schedule; ‡ holds modelled figures.", style="dim")
    if not settings.live and any(f.recency.state == "FAIL" for f in st.families):
        console.print("  The bundled sample ends where its files end, so its recency fails: with --live, the "
                      "same check says when a publisher is late.", style="dim")

    console.print(f"[bold]Build file[/] (the writer's copy, published by the next successful refresh): "
                  f"{st.build_warehouse}", soft_wrap=True)
    if st.build_busy:
        console.print("  a refresh is writing it now: pending releases and failures are shown when it is done.")
    elif not st.pending:
        console.print("  no releases waiting to be published")
    else:
        _print_releases("Releases loaded, not yet published", st.pending)
    since = f"since the last publish ({published})" if st.published_at else "(nothing published yet)"
    if not st.build_busy:
        console.print(f"  {len(st.failed_since_publish)} failed releases {since}")
    for g in failures.group((re.match(r"[\w-]+", f.release_id).group(0), f"{f.release_id}: {f.error}")
                            for f in st.failed_since_publish):  # one line per family and cause
        console.print(f"  [red]failed[/] {escape(g.line())}", soft_wrap=True, highlight=False)
    for reason in st.blocked:
        console.print(f"  [red]publish blocked[/] {escape(reason)}", soft_wrap=True)
    for release_id, reason in st.withdrawn:
        console.print(f"  [yellow]withdrawn release[/] {release_id}: {escape(reason)} "
                      f"(`crowdout release restore {release_id}` to use it again)", soft_wrap=True)

    run = st.last_run
    if run is None:
        console.print("Last run: none recorded (run `crowdout refresh`).")
    else:
        console.print(f"Last run: {run['run_id']} {run['status']} (started {run['started_at']})")
        for check in run["failed_checks"]:
            console.print(f"  failing check ({check['severity']}): {check['asset']} {check['check']}: "
                          f"{check['description']}")
        if not run["failed_checks"]:
            console.print("  no failing checks")
        for error in run["errors"]:  # its first line, and a list of failed releases grouped by cause
            first, *causes = failures.error(error)
            console.print(f"  [red]step failed[/] {escape(first.splitlines()[0])}")
            for line in causes:
                console.print(f"  {escape(line)}", soft_wrap=True, highlight=False)
    if st.last_run_news is not None:
        news = st.last_run_news
        console.print(f"  it published {len(news.releases):,} new releases, changed {len(news.changed):,} "
                      f"published figures, and {len(news.not_loaded):,} releases failed or were withdrawn "
                      "(the refresh's 'New this run' section; figures: crowdout revisions --since "
                      f"{news.since[:10]})")
    if st.last_failure:
        console.print(f"Run failure since the last publish: {st.last_failure['run_id']} at "
                      f"{st.last_failure['failed_at']}")
    return 0


def cmd_instance(args: argparse.Namespace) -> int:
    from orchestration import instance

    settings = load_settings()
    if args.action == "init":
        path = instance.init_instance(settings)
        store = "PostgreSQL (CROWDOUT_DAGSTER_POSTGRES_URL)" if settings.postgres_url else "SQLite files beside it"
        console.print(f"wrote {path}: runs stored in {store}", highlight=False, soft_wrap=True)
        return 0
    from dagster import DagsterInstance

    days = args.older_than_days or instance.InstancePolicy.from_settings(settings).run_retention_days
    with DagsterInstance.from_config(str(settings.dagster_home)) as dagster_instance:
        pruned = instance.prune_run_history(dagster_instance, older_than_days=days)
    console.print(f"pruned {len(pruned)} finished run(s) older than {days} days", highlight=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crowdout",
        description="Monthly TRAC and CBP releases into a DuckDB warehouse of displacement metrics.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="load one release by hand (a path, file:// or http(s):// URL)")
    p.add_argument("source", help="release family, e.g. cbp-nationwide-state, trac-bulletin, ohss-usbp")
    p.add_argument("location", help="path, file:// or http(s):// URL of the release file")
    p.add_argument("--modelled", action="store_true", help="mark the release's figures as modelled")
    p.add_argument("--live", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("refresh", help="observe every release family; when one is new: raw loads, dbt build and tests, publish")
    p.add_argument("--live", action="store_true", help="read the publishers' real sites, not the bundled samples")
    p.add_argument("--force", action="store_true",
                   help="run even when no release is new, e.g. after changing a dbt model")
    p.add_argument("--allow-shrink", action="store_true",
                   help="publish even if analysts would lose months, rows or releases they have now")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("status", help="published vs pending releases, failures since the last publish, "
                                      "data recency, the last run")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("query", help="run one read-only SQL query on the published warehouse")
    p.add_argument("sql", help='e.g. "SELECT * FROM marts.fct_displacement_district_month LIMIT 5"')
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
    p.add_argument("--output", type=Path, help="write to this file instead of the terminal")
    p.add_argument("--limit", type=int, default=100, help="rows shown in table format (0 = all)")
    p.add_argument("--timeout", type=float,
                   help="stop the query after this many seconds (default: query.timeout_seconds in releases.toml; 0 = none)")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("release", help="withdraw a bad release from every mart (kept on record), or restore it")
    actions = p.add_subparsers(dest="action", required=True)
    w = actions.add_parser("withdraw", help="take a loaded release out of the marts from the next refresh on")
    w.add_argument("release_id", help="as shown by `crowdout status` / `crowdout ingest`, e.g. cbp-sbo:0123abcd4567ef89")
    w.add_argument("--reason", required=True, help="why, kept in meta.releases beside the release")
    r = actions.add_parser("restore", help="use a withdrawn release again from the next refresh on")
    r.add_argument("release_id")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("export", help="every mart to Parquet and CSV, with a data dictionary")
    p.add_argument("dir", type=Path, help="folder to write (created if missing; files are replaced)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("metrics", help="the displacement table for one geography and month range")
    p.add_argument("--geography", default="SW_BORDER", help="AZ, CAS, NM, TXS, TXW, SW_BORDER, NON_BORDER or US")
    p.add_argument("--from", dest="start", default="2018-01", help="first month, YYYY-MM")
    p.add_argument("--to", dest="end", default="2018-12", help="last month, YYYY-MM")
    p.add_argument("--wide", action="store_true", help="add totals, YoY, displacement ratio, expected, gap")
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table",
                   help="csv/json/parquet give the mart's own columns (fractions, not percentages)")
    p.add_argument("--output", type=Path, help="file for csv/json/parquet")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("revisions", help="figures a restated release changed (from the revision marts)")
    p.add_argument("--family", help="trac-bulletin, cbp-nationwide-aor, cbp-nationwide-state, cbp-sbo or ohss-usbp")
    p.add_argument("--since", help="releases fetched on or after this date, YYYY-MM-DD or YYYY-MM")
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
    p.add_argument("--output", type=Path, help="file for csv/json/parquet")
    p.set_defaults(func=cmd_revisions)

    p = sub.add_parser("report", help="self-contained HTML report of the 2018 story, with its PNG charts beside it")
    p.add_argument("--output", type=Path, help="HTML file (default: <data dir>/report/crowdout-report.html)")
    p.add_argument("--from", dest="start", help="first month, YYYY-MM (default: all months)")
    p.add_argument("--to", dest="end", help="last month, YYYY-MM (default: all months)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("docs", help="generate the dbt docs (lineage, column docs) and serve them locally")
    p.add_argument("--port", type=int, default=8580)
    p.add_argument("--no-serve", action="store_true", help="only generate, and print the path")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("instance", help="the Dagster instance (DAGSTER_HOME): write its dagster.yaml, prune old runs")
    p.add_argument("action", choices=("init", "prune"),
                   help="init: write dagster.yaml from the template; prune: delete old finished runs")
    p.add_argument("--older-than-days", type=int, help="prune: default releases.toml [instance] run_retention_days")
    p.set_defaults(func=cmd_instance)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except AnalysisError as exc:  # already says what to do next
        err_console.print(f"[red]error:[/] {exc}")
        return 1
    except Exception as exc:  # the last line of defence: one readable line, not a traceback
        if os.environ.get("CROWDOUT_DEBUG"):
            raise
        err_console.print(f"[red]error:[/] {exc}")
        err_console.print("(set CROWDOUT_DEBUG=1 for the traceback)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
