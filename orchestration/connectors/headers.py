"""Matching a file's header row to the columns a parser needs, by label rather than by position.

Publishers reorder, rename and re-space column labels between releases. Locating columns by label
keeps a reordered file loading correctly, accepts renames already seen, and turns any other change
into one ParseError that lists exactly what is missing and what is new.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from orchestration.connectors.release import ParseError, ReleaseRef


def normalise(label: object) -> str:
    """`Fiscal\\nYear` and `fiscal  year` are the same label."""
    return " ".join(str(label if label is not None else "").split()).casefold()


def locate_columns(
    header: Sequence[object],
    wanted: Mapping[str, Sequence[str]],
    ref: ReleaseRef,
    what: str = "CSV header",
) -> dict[str, int]:
    """Position of each wanted column (name -> accepted labels, current label first) in `header`.

    Every label in the header must be claimed: a new column may change what the others mean.
    """
    found: dict[str, int] = {}
    for i, label in enumerate(header):
        if normalise(label) in found:
            raise ParseError(ref, f"changed {what}: duplicate {str(label)!r}")
        found[normalise(label)] = i
    positions, missing = {}, []
    for column, labels in wanted.items():
        hit = next((found[normalise(label)] for label in labels if normalise(label) in found), None)
        if hit is None:
            missing.append(labels[0])
        else:
            positions[column] = hit
    claimed = set(positions.values())
    unexpected = [str(label) for i, label in enumerate(header) if i not in claimed]
    if missing or unexpected:
        parts = [f"missing {', '.join(map(repr, missing))}"] if missing else []
        parts += [f"unexpected {', '.join(map(repr, unexpected))}"] if unexpected else []
        raise ParseError(ref, f"changed {what}: {'; '.join(parts)}")
    return positions
