"""Text that came from outside (a publisher's file or URL, a query's result, an error quoting either),
made safe to print and to store.

Printed through rich, such text must never act: `[bold red]` in a value would restyle the terminal and
`[/x]` would raise a MarkupError (callers print it as `rich.text.Text`, never as markup), and an escape or
carriage return would move the cursor or rewrite what is on screen (`printable` shows them instead).
Stored or printed, it must stay a readable size: a parser's error that quotes a 10^6-column header would
otherwise put megabytes into `meta.releases` and the terminal (`truncate`). And it must not carry a
secret: a URL's `user:password@` or a `?token=` (`redact`), as an error quoting a URL would.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder a line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# ANSI escape sequences: CSI (ESC [ ... final byte, e.g. colours) and the two-byte ones.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
MAX_MESSAGE = 2_000  # characters of an error message kept, stored or printed
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s]*@")
_SECRET_PARAM = re.compile(r"(?i)([?&;][^=&#\s]*(?:token|key|secret|passw|pwd|sig|auth)[^=&#\s]*=)[^&#\s)\]'\"<>,;]+")
REDACTED = "***"


def without_ansi(text: str) -> str:
    """`text` without the terminal colour and cursor sequences a tool wrote into it (dbt colours its
    `FAIL 1`): stored or sent to a webhook, they are noise, and printed they would act."""
    return _ANSI.sub("", text)


def redact(text: str) -> str:
    """`text` with every URL's credentials (`scheme://user:password@`) and secret-looking query values
    (`?token=`, `&api_key=`, `&sig=`...) replaced by ***."""
    return _SECRET_PARAM.sub(rf"\1{REDACTED}", _USERINFO.sub(rf"\1{REDACTED}@", text))


def printable(text: str) -> str:
    """`text` with each terminal control character written out as an escape (`\\x1b`, `\\u202e`)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def truncate(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters cut)"


def for_terminal(text: str, limit: int = MAX_MESSAGE) -> str:
    """All three: what an error message from outside may print as."""
    return printable(truncate(redact(text), limit))
