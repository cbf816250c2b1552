"""Failures grouped by family and cause, so an unreachable publisher is one line, not one line per page.

When `crowdout refresh --live` cannot resolve TRAC's host, each of its bulletin pages fails with the same
cause, and a list of hundreds of identical failures hides the one thing to fix. The CLI's summary and
`crowdout status` print one line per family and cause ("trac-bulletin: 480 releases failed: DNS lookup of
tracreports.org failed", with a few example URLs); the full list stays where it is recorded: the Dagster
run's event log (and `last_refresh.log`), meta.fetch_attempts and meta.releases in the build file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

EXAMPLES = 3  # example URLs (or release ids) per group
URL = re.compile(r"https?://[^\s)'\"]+")
# Causes said the same way whichever layer reported them (our fetcher, or urllib3 under an observation).
CAUSES = [
    (re.compile(r"DNS lookup failed for ([\w.-]+)"), "DNS lookup of {0} failed"),
    (re.compile(r"Failed to resolve '([\w.-]+)'"), "DNS lookup of {0} failed"),
    (re.compile(r"Connection refused"), "connection refused"),
]
# "<family> <key> (<url>): " before a problem, and the note on a failure not tried again in the same run
WHERE = re.compile(r"^.*?\(https?://[^)\s]*\):\s*")
NOT_RETRIED = "(earlier in this run; not tried again)"


def cause(message: str) -> str:
    """What went wrong, without which page it went wrong for."""
    for pattern, said in CAUSES:
        found = pattern.search(message)
        if found:
            return said.format(*found.groups())
    text = WHERE.sub("", message.replace(NOT_RETRIED, ""), count=1)
    return " ".join(URL.sub("<url>", text).split())


@dataclass
class Group:
    family: str
    cause: str
    count: int = 0
    examples: list[str] = field(default_factory=list)
    first: str = ""  # the first message: a failure alone is shown as it was reported, naming its release

    def line(self, what: str = "releases failed") -> str:
        if self.count == 1:
            return self.first
        examples = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return f"{self.family}: {self.count:,} {what}: {self.cause}{examples}"


def group(failures: Iterable[tuple[str, str]]) -> list[Group]:
    """(family, message) -> one Group per family and cause, in the order first seen, each with up to
    EXAMPLES example URLs (the message's first URL)."""
    groups: dict[tuple[str, str], Group] = {}
    for family, message in failures:
        g = groups.setdefault((family, cause(message)), Group(family, cause(message), first=message))
        g.count += 1
        url = URL.search(message)
        example = url.group(0).rstrip(":;,.") if url else None  # "page https://host/path: problem"
        if example and len(g.examples) < EXAMPLES and example not in g.examples:
            g.examples.append(example)
    return list(groups.values())


UNREACHABLE = re.compile(r"^([\w-]+).*?: ((?:publisher|proxy) \S+ unreachable .*)$")  # one line


def per_publisher(errors: Iterable[str]) -> list[str]:
    """Observation errors ("<family>...: <problem>"), or a run's step errors ("<step>: ..."), with one line
    per unreachable publisher or proxy: the families (or steps) it serves (CBP's three; every family behind
    a dead proxy) share its failure, so it is said once, naming them. Any other error is kept as it is."""
    lines: dict[str, list[str]] = {}
    for error in errors:
        found = UNREACHABLE.match(error)
        if found is None:
            lines.setdefault(error, [])
            continue
        family, problem = found.groups()
        lines.setdefault(problem, []).append(family)
    return [f"{', '.join(dict.fromkeys(families))}: {line}" if families else line
            for line, families in lines.items()]


BULLET = re.compile(r"^- ([\w-]+) (.*)$")


def error(text: str) -> list[str]:
    """A step's error: a list of failed releases ("- <family> <key> (<url>): <problem>" lines under a
    heading) becomes the heading and one line per family and cause; any other error is kept whole."""
    lines = text.splitlines()
    bullets = [BULLET.match(line) for line in lines[1:]]
    if not lines or not any(bullets):
        return [text]
    # a bullet's text may wrap onto the lines after it: join them to their bullet
    items: list[tuple[str, str]] = []
    for line, bullet in zip(lines[1:], bullets):
        if bullet:
            items.append((bullet.group(1), line[2:]))
        elif items:
            items[-1] = (items[-1][0], f"{items[-1][1]} {line.strip()}")
    return [lines[0]] + [f"  {g.line()}" for g in group(items)]
