"""The `crowdout` command: thin argument handling over plain functions elsewhere in the package."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console

from orchestration.analysis.reader import AnalysisError
from orchestration.config import load_settings
from orchestration.refresh import month_arg

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")

# Piped into a file or a log, rich would assume 80 columns and truncate table cells: use a log's width.
console = Console(width=None if sys.stdout.isatty() else 132)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 132)


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
    from orchestration.analysis import query

    warehouse = load_settings().warehouse
    table = query.run(warehouse, args.sql)
    warning = query.modelled_warning(warehouse, table)
    if warning:
        err_console.print(f"[yellow]{warning}[/]")  # stderr: csv/json on stdout stay clean
    if args.format == "table" and args.output is None:
        console.print(query.to_rich(table, args.limit))
    else:
        query.write(table, "csv" if args.format == "table" else args.format, args.output)
        if args.output is not None:
            err_console.print(f"{table.num_rows:,} rows written to {args.output}")
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
    console.print(f"Data dictionary: {args.dir / 'data_dictionary.csv'} (and .md)")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from orchestration.analysis import metrics_table, query

    view = metrics_table.load(load_settings().warehouse, args.geography,
                              metrics_table.parse_month(args.start), metrics_table.parse_month(args.end))
    if args.format == "table":
        console.print(metrics_table.to_rich(view, wide=args.wide))
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
    console.print(f"Report: {html_path}")
    for png in pngs:
        console.print(f"  chart: {png}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from orchestration.analysis import docs

    with console.status("dbt docs generate (on a copy of the warehouse)…"):
        page = docs.generate(load_settings())
    console.print(f"dbt docs generated: {page} (opens offline) and {page.with_name('index.html')}")
    if args.no_serve:
        return 0
    console.print(f"Serving on http://127.0.0.1:{args.port}/ — Ctrl-C to stop.")
    return docs.serve(args.port)


def _fmt(value, column: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if column.endswith("share") else f"{value:,.0f}"


def _print_summary(warehouse) -> None:
    from rich.table import Table

    from orchestration import summary
    from orchestration.analysis import reconcile

    s = summary.read_summary(warehouse)
    march, june = s.months
    table = Table(title=f"{summary.GEOGRAPHY}, {march:%B} vs {june:%B %Y} (published warehouse)")
    for col in ("figure", f"{march:%b %Y}", f"{june:%b %Y}", "change", "basis", "seed article"):
        table.add_column(col, justify="left" if col in ("figure", "basis") else "right")
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
    console.print(table)
    for i, note in enumerate(notes, start=1):
        console.print(f"{'†' * i} {note}")
    console.print(summary.basis_sentence(s))
    console.print(f"{s.releases_loaded:,} releases loaded from {s.families} families "
                  f"({s.modelled_releases:,} modelled).")


def cmd_refresh(args: argparse.Namespace) -> int:
    from rich.table import Table

    from orchestration import refresh
    from orchestration.analysis.progress import steps

    settings = load_settings(live=args.live or None)
    source = "the publishers' live sites" if settings.live else "the bundled sample releases"
    console.print(f"Refresh from {source}: releases -> raw -> dbt -> publish "
                  f"(dbt's log: {refresh.refresh_log(settings)})")
    with steps("refresh", total=refresh.step_count()) as step:
        outcome = refresh.run_refresh(
            settings, month_from=args.start, month_to=args.end, full_refresh=args.full_refresh,
            on_step=step,
        )
    table = Table(title=f"Dagster run {outcome.run_id} ({outcome.instance} instance), "
                        f"months {outcome.months[0]} to {outcome.months[1]}")
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
        for error in outcome.errors:
            err_console.print(f"[red]error:[/] {error}")
        err_console.print(f"Refresh failed after {outcome.seconds:.0f}s; analysts still read the previous "
                          f"warehouse ({settings.warehouse}). `crowdout status` shows what is failing.")
        if any("on_schema_change" in e or "schema change" in e.lower() for e in outcome.errors):
            err_console.print("A mart's columns changed since it was built: run `crowdout refresh "
                              "--full-refresh` once to rebuild the incremental marts.")
        return 1
    console.print(f"Refresh done in {outcome.seconds:.0f}s; published {settings.warehouse}")
    _print_summary(settings.warehouse)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from rich.table import Table

    from orchestration import status as status_mod

    st = status_mod.gather(load_settings())
    published = st.published_at.strftime("%Y-%m-%d %H:%M UTC") if st.published_at else "never"
    console.print(f"Published warehouse: {st.warehouse} (published {published}, freshness {st.freshness})")
    table = Table(title="Releases loaded")
    for col in ("family", "loaded", "failed", "months", "last loaded", "modelled", "freshness"):
        table.add_column(col)
    for f in st.families:
        months = f"{f.first_month}..{f.last_month}" if f.first_month else ""
        last = f.last_loaded_at.strftime("%Y-%m-%d") if f.last_loaded_at else ""
        table.add_row(f.family, str(f.loaded), f"[red]{f.failed}[/]" if f.failed else "0", months, last,
                      "yes" if f.modelled else "no", f.freshness)
    console.print(table)
    for release_id, error in st.failed_releases:
        console.print(f"[red]failed release[/] {release_id}: {error}")
    run = st.last_run
    if run is None:
        console.print("Last run: none recorded (run `crowdout refresh`, or set DAGSTER_HOME to see UI runs).")
    else:
        console.print(f"Last run: {run['run_id']} {run['status']} (started {run['started_at']})")
        for check in run["failed_checks"]:
            console.print(f"  failing check ({check['severity']}): {check['asset']} {check['check']}: "
                          f"{check['description']}")
        if not run["failed_checks"]:
            console.print("  no failing checks")
        for error in run["errors"]:
            console.print(f"  [red]step failed[/] {error.splitlines()[0]}")
    if st.last_failure:
        console.print(f"Last recorded run failure: {st.last_failure['run_id']} at {st.last_failure['failed_at']}")
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

    p = sub.add_parser("refresh", help="the full Dagster job: new releases, raw loads, dbt build and tests, publish")
    p.add_argument("--live", action="store_true", help="read the publishers' real sites, not the bundled samples")
    p.add_argument("--from", dest="start", type=month_arg, help="first month to (re)build, YYYY-MM (default: all)")
    p.add_argument("--to", dest="end", type=month_arg, help="last month to (re)build, YYYY-MM (default: all)")
    p.add_argument("--full-refresh", action="store_true",
                   help="rebuild the incremental marts from scratch (once, after their columns change)")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("status", help="releases loaded, the last run, failing checks, freshness")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("query", help="run one read-only SQL query on the published warehouse")
    p.add_argument("sql", help='e.g. "SELECT * FROM marts.fct_displacement_district_month LIMIT 5"')
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
    p.add_argument("--output", type=Path, help="write to this file instead of the terminal")
    p.add_argument("--limit", type=int, default=100, help="rows shown in table format (0 = all)")
    p.set_defaults(func=cmd_query)

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

    p = sub.add_parser("report", help="self-contained HTML report of the 2018 story, with its PNG charts beside it")
    p.add_argument("--output", type=Path, help="HTML file (default: <data dir>/report/crowdout-report.html)")
    p.add_argument("--from", dest="start", help="first month, YYYY-MM (default: all months)")
    p.add_argument("--to", dest="end", help="last month, YYYY-MM (default: all months)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("docs", help="generate the dbt docs (lineage, column docs) and serve them locally")
    p.add_argument("--port", type=int, default=8580)
    p.add_argument("--no-serve", action="store_true", help="only generate, and print the path")
    p.set_defaults(func=cmd_docs)
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
