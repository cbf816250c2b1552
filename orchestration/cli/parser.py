"""The `crowdout` command line: every subcommand, its arguments and the handler it calls."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.cli.analyst import cmd_docs, cmd_export, cmd_metrics, cmd_query, cmd_report, cmd_revisions
from orchestration.cli.ops import cmd_ingest, cmd_instance, cmd_landing, cmd_refresh, cmd_release, cmd_status


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
    p.add_argument("--build", action="store_true",
                   help="query the build warehouse (what the last refresh built, published or not): a failed "
                        "dbt test's failing rows are there")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("release", help="withdraw a bad release from every mart (kept on record), or restore it")
    actions = p.add_subparsers(dest="action", required=True)
    w = actions.add_parser("withdraw", help="take a loaded release out of the marts from the next refresh on")
    w.add_argument("release_id", help="as shown by `crowdout status` / `crowdout ingest`, e.g. cbp-sbo:0123abcd4567ef89")
    w.add_argument("--reason", required=True, help="why, kept in meta.releases beside the release")
    r = actions.add_parser("restore", help="use a withdrawn release again from the next refresh on")
    r.add_argument("release_id")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("landing", help="the landing folder: `verify` re-hashes every landed file")
    p.add_argument("action", choices=["verify"], help="verify: report landed files whose bytes changed")
    p.set_defaults(func=cmd_landing)

    p = sub.add_parser("export", help="every mart to Parquet and CSV, with a data dictionary")
    p.add_argument("dir", type=Path, help="folder to write (created if missing; files are replaced)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("metrics", help="the displacement table for one geography and month range")
    p.add_argument("--geography", help="AZ, CAS, NM, TXS, TXW, SW_BORDER, NON_BORDER or US (default SW_BORDER; "
                   "with --by program, US)")
    p.add_argument("--by", choices=("month", "program"), default="month",
                   help="month: one row per month; program: which prosecutions fell, one row per program")
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
