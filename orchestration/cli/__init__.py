"""The `crowdout` command: thin argument handling over plain functions elsewhere in the package.

`parser` declares the commands; `ops` and `analyst` hold their handlers (for ops teams and for analysts);
`render` is how they print."""

from __future__ import annotations

import os

from orchestration.analysis.reader import AnalysisError
from orchestration.cli.parser import build_parser
from orchestration.cli.render import err_console, error_line
from orchestration.config import SettingsError


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except (AnalysisError, SettingsError) as exc:  # already says what to do next
        err_console.print(error_line(exc), soft_wrap=True)  # unwrapped: a path cut in two cannot be pasted
        return 1
    except Exception as exc:  # the last line of defence: one readable line, not a traceback
        if os.environ.get("CROWDOUT_DEBUG"):
            raise
        err_console.print(error_line(exc), soft_wrap=True)
        err_console.print("(set CROWDOUT_DEBUG=1 for the traceback)")
        return 1
