"""The commands ops teams run: refresh, status, ingest by hand, release withdraw/restore, instance."""

from __future__ import annotations

import argparse
import re

from rich.markup import escape
from rich.text import Text

from orchestration.analysis import layout
from orchestration.analysis.reader import AnalysisError
from orchestration.cli.render import (
    console,
    err_console,
    error_line,
    month_label,
    print_new_this_run,
    print_releases,
    print_results,
    print_summary,
    say,
)
from orchestration.config import load_settings
from orchestration.safe_text import for_terminal


def cmd_ingest(args: argparse.Namespace) -> int:
    from orchestration.connectors import http
    from orchestration.connectors.catalog import UnknownFamily
    from orchestration.warehouse import ingest
    from orchestration.warehouse.lock import build_lock

    settings = load_settings(live=args.live)
    try:
        ref = ingest.ref_for_location(settings, args.source, args.location, is_modelled=args.modelled)
    except UnknownFamily as exc:
        err_console.print(f"[red]error:[/] {exc}", soft_wrap=True, highlight=False)
        return 1
    with build_lock(settings):
        _say_repaired(settings)
        con = ingest.connect_build(settings)
        try:
            result = ingest.ingest_release(settings, con, http.make_session(settings.releases.http), ref)
        finally:
            con.close()
    print_results([result])  # the block leaves the error out: it is printed once, here, on one line
    if result.status == "not_published":  # named by hand, so it must exist: a typo is not a success
        err_console.print(error_line(result.error), soft_wrap=True, highlight=False)
        err_console.print("Nothing was loaded. Check the path or URL and run the command again.")
        return 1
    if result.status == "failed":
        err_console.print(error_line(result.error), soft_wrap=True, highlight=False)
        err_console.print("The raw tables are unchanged; the landed file (if any) is kept. Fix the "
                          "release or the parser and run the same command again.")
        return 1
    if result.status == "loaded":
        console.print("Loaded into the build warehouse; `crowdout refresh` rebuilds the marts and publishes "
                      "it for analysts.")
    return 0


def _say_repaired(settings) -> None:
    """An unusable build file is set aside and started again from the published warehouse before a hand
    ingest or withdrawal writes to it; what only it held is lost, so the operator is told. Under the lock."""
    from orchestration.warehouse.publish import seed_build

    if settings.build_warehouse.exists():
        repaired = seed_build(settings.build_warehouse, settings.warehouse)
        if repaired:
            err_console.print(Text.assemble(("warning:", "yellow"), " ", for_terminal(repaired)), soft_wrap=True)


def cmd_release(args: argparse.Namespace) -> int:
    from orchestration.warehouse import ingest, registry
    from orchestration.warehouse.lock import build_lock

    settings = load_settings()
    with build_lock(settings):
        _say_repaired(settings)
        con = ingest.connect_build(settings)
        try:
            if args.action == "withdraw":
                landed = registry.withdraw(con, args.release_id, args.reason)
            else:
                landed = registry.restore(con, args.release_id)
        except registry.UnknownRelease as exc:
            err_console.print(error_line(exc), soft_wrap=True)
            return 1
        finally:
            con.close()
    done = "withdrawn" if args.action == "withdraw" else "restored"
    console.print(f"{args.release_id} {done}; it stays in meta.releases and its landed file stays at {landed}.")
    console.print(f"The next `crowdout refresh` rebuilds every mart {'without' if done == 'withdrawn' else 'with'} "
                  "it. If analysts would lose months or rows they have now, that publish is refused until "
                  "run with --allow-shrink.", soft_wrap=True)
    return 0


def cmd_landing(args: argparse.Namespace) -> int:
    """`crowdout landing verify`: a landed file is evidence; one whose bytes changed after loading is named."""
    from orchestration.connectors import landing

    settings = load_settings()
    changed = landing.verify(settings.landing)
    for path, now in changed:
        err_console.print(Text.assemble(("changed", "red"), for_terminal(f" {path}: now {now}")), soft_wrap=True)
    if changed:
        err_console.print(f"{len(changed)} landed file(s) no longer match the sha256 they were loaded as (their "
                          "folder's name). Restore them from the publisher or a backup; what was loaded from them "
                          "is in meta.releases under the same sha256.")
        return 1
    console.print(Text(f"every landed file under {settings.landing} matches its sha256"))
    return 0


def _alert(settings, failure: dict) -> None:
    from orchestration import alerts

    problem = alerts.post_webhook(settings, failure)
    if settings.alert_webhook and not problem:
        err_console.print(Text(f"Failure posted to {alerts.webhook_label(settings)}."))
    if problem:
        err_console.print(Text.assemble(("warning:", "yellow"), " ", for_terminal(problem)))


def print_run(run) -> None:
    """A run as its events tell it (defs.outcome.RunOutcome): steps, failed checks, step errors. The
    same words `crowdout status` and the failure alert use."""
    from rich.table import Table

    from orchestration.runs import failures

    table = Table(title=f"Dagster run {run.run_id}")
    for col in ("step", "status", "seconds"):
        table.add_column(col)
    for step in run.steps:
        style = {"failed": "red", "skipped": "yellow"}.get(step["status"], "green")
        table.add_row(step["step"], f"[{style}]{step['status']}[/]",
                      "" if step["seconds"] is None else f"{step['seconds']:.1f}")
    console.print(table)
    print_checks(run.failed_checks)
    for error in failures.per_publisher(run.errors):  # one line per cause (all in the run's log)
        first, *rest = failures.error(error)
        err_console.print(error_line(first), soft_wrap=True, highlight=False)
        for line in rest:
            err_console.print(Text(for_terminal(line)), soft_wrap=True, highlight=False)


def print_checks(checks: list[dict], indent: str = "") -> None:
    for check in checks:
        colour = "red" if check["severity"] == "ERROR" else "yellow"
        say(f"{indent}[{colour}]failing check ({check['severity']})[/] {check['asset']} {check['check']}: "
            f"{escape(for_terminal(check['description']))}; {escape(check['way_out'])}")


def cmd_refresh(args: argparse.Namespace) -> int:
    from contextlib import ExitStack
    from datetime import datetime

    from orchestration import alerts
    from orchestration.analysis.progress import steps
    from orchestration.runs import failures, refresh
    from orchestration.warehouse.lock import WarehouseBusy, build_lock

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
    except KeyboardInterrupt:
        err_console.print("interrupted (Ctrl-C): the run is recorded as failed; analysts still read the "
                          "previous warehouse.", soft_wrap=True)
        return 130
    except Exception as exc:  # the run never finished: cron must hear of it as of a failed run
        _alert(settings, alerts.crash_payload(str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                                              job="refresh", trigger="cli"))
        raise
    if outcome.run is None:
        since = datetime.fromisoformat(outcome.published_at).strftime("%Y-%m-%d %H:%M UTC")
        if outcome.nothing_new:
            console.print(f"nothing new since {since}; the warehouse is unchanged ({outcome.seconds:.1f}s)")
            return 0
        could_not_look = failures.per_publisher(outcome.could_not_look)
        for error in could_not_look:  # one per publisher: nothing to run until it is reachable
            err_console.print(error_line(error), soft_wrap=True, highlight=False)
        err_console.print(f"Nothing else is new since {since}; the warehouse is unchanged "
                          f"({outcome.seconds:.1f}s). `crowdout status` lists it until a look gets through.",
                          soft_wrap=True)
        _alert(settings, alerts.crash_payload("\n".join(could_not_look), job="observe", trigger="cli"))
        return 1
    from orchestration.runs import news  # pandas: only once a run happened

    run = outcome.run
    console.print("New: " + "; ".join(outcome.new))
    for error in failures.per_publisher(outcome.could_not_look):
        say(f"[yellow]could not look[/] {escape(for_terminal(error))}", out=err_console)
    console.print(f"({outcome.instance} instance)", style="dim", soft_wrap=True)
    print_run(run)
    if not run.success:
        err_console.print(f"Refresh failed after {outcome.seconds:.0f}s; analysts still read the previous "
                          f"warehouse ({settings.warehouse}). `crowdout status` shows it again.", soft_wrap=True)
        _alert(settings, alerts.failure_payload(run))
        try:  # what the run loaded is in the build file, unpublished; a hand ingest may be writing it now
            with build_lock(settings):
                print_new_this_run(news.from_run(run, settings.build_warehouse))
        except (AnalysisError, WarehouseBusy) as exc:
            err_console.print(f"(what this run loaded cannot be listed: {exc})")
        return 1
    console.print(f"Refresh done in {outcome.seconds:.0f}s; published {settings.warehouse}")
    print_summary(settings.warehouse)
    print_new_this_run(news.from_run(run, settings.warehouse))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from orchestration.runs import failures
    from orchestration.runs import status as status_mod

    settings = load_settings()
    st = status_mod.gather(settings)
    published = st.published_at.strftime("%Y-%m-%d %H:%M UTC") if st.published_at else "never"
    say(f"[bold]Published file[/] (what analysts read): {escape(str(st.warehouse))}")
    built_by = f" by Dagster run {st.published_by_run}" if st.published_by_run else ""
    say(f"  published {published}{built_by}; refresh freshness {st.freshness}")
    table = layout.table("Releases in the published file, and how far their data reaches")
    for col in ("family", "files", "data months", "due", "recency", "loaded"):
        table.add_column(col, no_wrap=True)
    for f in st.families:
        r = f.recency
        colour = {"FAIL": "red", "WARN": "yellow"}.get(r.state, "green")
        table.add_row(f.family + (" ‡" if f.modelled else ""), f"{f.loaded:,}",
                      f"{month_label(f.first_month)}..{month_label(f.last_month)}", month_label(r.expected),
                      f"[{colour}]{r.state}[/]" + (f" -{r.months_behind}mo" if r.months_behind else ""),
                      f.freshness)
    console.print(layout.fit(table, console.width, "family"))
    say("  due: the last month the data should reach, given the publisher's lag (releases.toml "
        "publication_lag_days); recency: against it, with months behind; loaded: the family's "
        "last load against the monthly schedule; ‡ holds modelled figures; n/a: figures for scattered periods, "
        "not a monthly series.", style="dim")
    if not settings.live and any(f.recency.state == "FAIL" for f in st.families):
        say("  The bundled sample ends where its files end, so its recency fails: with --live, the "
            "same check says when a publisher is late.", style="dim")

    say(f"[bold]Build file[/] (the writer's copy, published by the next successful refresh): "
        f"{escape(str(st.build_warehouse))}")
    if st.build_busy:
        console.print("  a refresh is writing it now: pending releases and failures are shown when it is done.")
    elif not st.pending:
        console.print("  no releases waiting to be published")
    else:
        print_releases("Releases loaded, not yet published", st.pending)
    since = f"since the last publish ({published})" if st.published_at else "(nothing published yet)"
    if not st.build_busy:
        console.print(f"  {len(st.failed_since_publish)} failed releases {since}")
    for g in failures.group((re.match(r"[\w-]+", f.release_id).group(0), f"{f.release_id}: {f.error}")
                            for f in st.failed_since_publish):  # one line per family and cause
        say(f"  [red]failed[/] {escape(for_terminal(g.line()))}")
    looks = []  # the newest observation of each family, whoever made it; one line per unreachable publisher
    for _family, errors in st.could_not_look:
        first, *more = errors.splitlines()
        looks.append(first + (f" (and {len(more)} more)" if more else ""))
    for line in failures.per_publisher(looks):
        say(f"  [red]could not look[/] {escape(for_terminal(line))}")
    for reason in st.blocked:
        say(f"  [red]publish blocked[/] {escape(for_terminal(reason))}")
    for release_id, reason in st.withdrawn:
        say(f"  [yellow]withdrawn release[/] {release_id}: {escape(for_terminal(reason))} "
            f"(`crowdout release restore {release_id}` to use it again)")

    run = st.last_run
    if run is None:
        console.print("Last run: none recorded (run `crowdout refresh`).")
    else:
        say(f"Last run: {run.run_id} {run.status} (started {run.started_at}, by {run.trigger})")
        for error in failures.per_publisher(run.errors):  # its reasons, failed releases grouped by cause
            first, *causes = failures.error(error)
            say(f"  [red]step failed[/] {escape(for_terminal(first))}")
            for line in causes:
                say(f"  {escape(for_terminal(line))}")
    if st.last_run is not None:  # each check's latest evaluation, whichever run made it: the UI's badges
        console.print(f"Failing checks: {len(st.failing_checks)}" if st.failing_checks else "No failing checks")
        print_checks(st.failing_checks, indent="  ")
    if st.last_run_news is not None:
        new = st.last_run_news
        said = [r["status"] + (" step" if r["status"] == "failed" and not r["file"] else "") for r in new.not_loaded]
        restored = f", restored {len(new.restored):,}" if new.restored else ""
        say(f"  it brought {_n(len(new.releases), 'new release')}{restored}, changed {len(new.changed):,} "
            f"published figures; {_n(said.count('failed'), 'failed release')}, "
            f"{_n(said.count('failed step'), 'failed step')}, {said.count('withdrawn'):,} withdrawn, "
            f"{said.count('refused'):,} refused (the refresh's 'New this run' section; figures: "
            f"crowdout revisions --since {new.since[:10]})")
    return 0


def _n(count: int, what: str) -> str:
    """`1 failed step`, `2 failed steps`."""
    return f"{count:,} {what}{'s' * (count != 1)}"


def cmd_instance(args: argparse.Namespace) -> int:
    from orchestration.runs import instance

    settings = load_settings()
    if args.action == "init":
        path = instance.init_instance(settings)
        store = "PostgreSQL (CROWDOUT_DAGSTER_POSTGRES_URL)" if settings.postgres_url else "SQLite files beside it"
        console.print(f"wrote {path}: runs stored in {store}", highlight=False, soft_wrap=True)
        return 0
    from dagster import DagsterInstance

    days = args.older_than_days or settings.releases.instance.run_retention_days
    with DagsterInstance.from_config(str(settings.dagster_home)) as dagster_instance:
        pruned = instance.prune_run_history(dagster_instance, older_than_days=days)
    console.print(f"pruned {len(pruned)} finished run(s) older than {days} days", highlight=False)
    return 0
