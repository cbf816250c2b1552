"""The commands analysts run on the published warehouse: query, export, metrics, report, docs, revisions."""

from __future__ import annotations

import argparse

from rich.text import Text

from orchestration.analysis.reader import AnalysisError
from orchestration.cli.render import (
    console,
    err_console,
    print_changes,
)
from orchestration.config import load_settings
from orchestration.safe_text import printable


def cmd_query(args: argparse.Namespace) -> int:
    from orchestration.analysis import publisher_url, query

    settings = load_settings()
    query.check_destination(args.format, args.output)
    if args.output is not None:
        query.check_output(settings, args.output)
    timeout = settings.releases.query.timeout_seconds if args.timeout is None else args.timeout
    with query.run(settings, args.sql, timeout_s=timeout, build=args.build) as result:
        result = publisher_url.with_publisher_urls(result, settings.releases)
        warning = query.modelled_warning(result)
        if warning:
            err_console.print(f"[yellow]{warning}[/]")  # stderr: csv/json on stdout stay clean
        if args.format == "table" and args.output is None:
            console.print(query.to_rich(result, args.limit, console.width))
            return 0
        rows = query.write(result, "csv" if args.format == "table" else args.format, args.output)
    if args.output is not None:
        err_console.print(Text(f"{rows:,} rows written to {printable(str(args.output))}"))
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
    from orchestration.analysis import metrics_table, program_table, query

    by_program = args.by == "program"
    if by_program and args.wide:
        raise AnalysisError("--wide adds columns of the monthly view; --by program shows every program's "
                            "columns already (its mart's own: --format csv)")
    table = program_table if by_program else metrics_table
    view = table.load(load_settings().warehouse, args.geography or ("US" if by_program else "SW_BORDER"),
                      metrics_table.parse_month(args.start), metrics_table.parse_month(args.end))
    if args.format == "table":
        console.print(program_table.to_rich(view, console.width) if by_program
                      else metrics_table.to_rich(view, console.width, wide=args.wide))
        for line in table.summary(view):
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
        html_path, pngs = report.write(data, output, settings.releases, step)
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
        print_changes(family, [r for r in rows if r["family"] == family], fetched=True)
    console.print(f"{found.changed.num_rows:,} figures changed in {found.releases:,} restating releases; "
                  f"{found.unchanged:,} restated with the same value. Modelled figures in italics; "
                  "--format csv|json for every column (release ids included).")
    return 0
