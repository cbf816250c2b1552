"""How the CLI prints: the terminal consoles and the blocks a refresh, a status and a release list print."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from orchestration.analysis import layout
from orchestration.safe_text import for_terminal

# The terminal's width, or COLUMNS, or 80 when piped (rich's own rule): tables are laid out to fit it.
console = Console()
err_console = Console(stderr=True)


def wrapped(markup: str, width: int, indent: str = "    ") -> Text:
    """`markup` wrapped at spaces to `width` columns, later lines indented: a word longer than the width (a
    path, a URL, a run id) stays whole on a line of its own, never split, so it can be copied. A line break
    of the text's own (a refused publish lists its losses one a line) starts a line, indented, whose width
    is counted from there: counted from the line before, its first word alone (`-`) would fit."""
    text = Text.from_markup(markup, emoji=False)  # ":abc:" in a reason is text, never an emoji
    plain, breaks, start, limit = text.plain, [], 0, width
    for word in re.finditer(r"\S+", plain):
        own = plain.rfind("\n", start, word.start())
        if own >= 0:
            breaks.append(own + 1)
            start, limit = own + 1, width - len(indent)
        if word.end() - start > limit and plain[start:word.start()].strip():
            breaks.append(word.start())
            start, limit = word.start(), width - len(indent)
    lines = text.divide(breaks)
    out = Text()
    for n, line in enumerate(lines):
        line.rstrip()
        if n:
            out.append("\n" + indent)
        out.append_text(line)
    return out


def say(markup: str, out: Console | None = None, indent: str = "    ", **kwargs) -> None:
    """Print one logical line wrapped by the tool itself (`wrapped`), not by the terminal mid-word."""
    out = out or console
    out.print(wrapped(markup, out.width, indent), soft_wrap=True, highlight=False, **kwargs)
def error_line(error: object) -> Text:
    """`error: <message>` with the message as text: never markup, control characters shown, secrets
    redacted, cut to a readable size (an error may quote a publisher's file, a URL or a query's data)."""
    return Text.assemble(("error:", "red"), " ", for_terminal(str(error)))


def print_results(results) -> None:
    """One block per release: what an operator needs to find the file and the rows again. A failed
    release's error is not in it: the command prints it once, on stderr."""
    colours = {"failed": "red", "loaded": "green"}
    for r in results:
        colour = colours.get(r.status, "yellow")
        console.print(Text.assemble((r.status, f"bold {colour}"), f"  {r.ref.family}  {for_terminal(r.ref.key)}"))
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
        for label, value in rows:  # values come from publishers (URLs, names, errors): text, never markup
            console.print(Text(f"  {label:<26} {for_terminal(str(value))}"), soft_wrap=True, highlight=False)


def fmt(value, column: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if column.endswith("share") else f"{value:,.0f}"


def print_summary(warehouse) -> None:
    from orchestration.analysis import reconcile
    from orchestration.runs import summary

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
        table.add_row(label, fmt(before, column), fmt(after, column), delta,
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


def print_releases(title: str, releases) -> None:
    """Releases (news.NewRelease) as a table: one row each, or one per family when there are many
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
        span = f"{month_label(first)}..{month_label(last)}" if first != last else month_label(first)
        table.add_row(rs[0].family, f"{len(rs):,}" if by_family else rs[0].file, span,
                      f"{sum(r.rows or 0 for r in rs):,}")
    console.print(layout.fit(table, console.width, "release"))


def print_changes(title: str, rows: list[dict], fetched: bool = False) -> None:
    """Changed figures (revisions.RESTATED rows): month, figure, before, after, change; modelled in italics."""
    table = layout.table(title)
    for col in ("fetched",) * fetched + ("month", "figure", "before", "after", "change"):
        table.add_column(col, no_wrap=True, justify="right" if col in ("before", "after", "change") else "left")
    for r in rows:
        pct = "" if r["pct_change"] is None else f" ({r['pct_change']:+.1%})"
        table.add_row(*(f"{r['fetched_at']:%Y-%m-%d}",) * fetched, month_label(r["month"]), r["figure"],
                      f"{r['previous']:,}", f"{r['current']:,}", f"{r['change']:+,}{pct}",
                      style="italic yellow" if r["is_modelled"] else None)
    console.print(layout.fit(table, console.width, "figure"))


def print_new_this_run(new) -> None:
    """The refresh's own news: releases new this run, figures they changed, releases that failed."""
    since = new.since.replace("T", " ")
    console.print(f"[bold]New this run[/] (since {since}):")
    if not new.releases:
        console.print("  no new releases: every release found was already loaded")
    else:
        print_releases("Releases loaded", new.releases)
    if new.restored:  # withdrawn before, brought back: analysts had them, so not new
        print_releases("Releases restored", new.restored)
    if new.changed:
        print_changes(f"Figures changed by restated releases: {len(new.changed):,} "
                       f"({new.unchanged:,} restated unchanged)", new.changed[:LISTED])
        if len(new.changed) > LISTED:
            console.print(f"  … {len(new.changed) - LISTED:,} more: crowdout revisions --since {new.since[:10]}")
    elif new.unchanged:
        console.print(f"  {new.unchanged:,} figures restated, none changed")
    else:
        console.print("  no figures restated")
    from orchestration.runs import failures

    for g in failures.group((r["family"], f"{r['family']} {r['file']}: {r['error']}") for r in new.not_loaded
                            if r["status"] == "failed" and r["file"]):
        say(f"  [red]failed[/] {escape(for_terminal(g.line()))}")
    for r in new.not_loaded:
        if r["status"] == "failed" and r["file"]:
            continue
        first, *rest = failures.error(r["error"])  # a step's own failure, in its words
        where = f"{r['family']} {r['file']}".strip()
        say(f"  [red]{r['status']}[/] {escape(for_terminal(where))}: {escape(for_terminal(first))}", emoji=False)
        for line in rest:
            say(f"  {escape(for_terminal(line))}", emoji=False)
    if not new.not_loaded:
        console.print("  nothing failed, withdrawn or refused")


def month_label(value) -> str:
    return f"{value:%Y-%m}" if value else "–"
