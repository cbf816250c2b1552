"""Each figure's own basis, so a published figure is never shown as modelled because its neighbours are.

The displacement mart carries a basis per count (`<measure>_basis`: 'published', 'derived', 'modelled' or
'modelled_scaled_to_published', a modelled district figure scaled so the five border districts add up to
TRAC's published figure: modelled all the same); a same-month ratio rests on both its counts; metrics that read other months (changes, moving
averages, missing prosecutions) keep the row-level `is_modelled`, which is conservative: true when anything
in the row or the months its windows read is modelled.
"""

from __future__ import annotations

import pandas as pd

ROW_FLAG = "is_modelled"
MODELLED = ("modelled", "modelled_scaled_to_published")
# in words: a scaled figure is still modelled, and says what it was scaled to
WORDS = {"modelled_scaled_to_published": "modelled, scaled to published"}
MEASURE_BASIS = {
    "immigration_prosecutions": ("immigration_prosecutions_basis",),
    "non_immigration_prosecutions": ("non_immigration_prosecutions_basis",),
    "total_prosecutions": ("total_prosecutions_basis",),
    "cbp_referred_prosecutions": ("cbp_referred_prosecutions_basis",),
    "bp_apprehensions": ("bp_apprehensions_basis",),
    # same-month ratios: modelled if either count is
    "non_immigration_share": ("non_immigration_prosecutions_basis", "total_prosecutions_basis"),
    "prosecutions_per_apprehension": ("cbp_referred_prosecutions_basis", "bp_apprehensions_basis"),
}


def modelled(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per row, whether `column` is modelled; an unknown (NULL) basis counts as modelled, never as real."""
    bases = MEASURE_BASIS.get(column)
    if bases is None:
        return rows[ROW_FLAG].fillna(True).astype(bool)
    return rows[list(bases)].apply(lambda b: b.isna() | b.isin(MODELLED)).any(axis=1)


def label(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per row, the figure's basis in words: published, derived, modelled (a ratio: the weaker of its parts)."""
    bases = MEASURE_BASIS.get(column)
    if bases is None:
        return rows[ROW_FLAG].map({True: "modelled", False: "derived"}).fillna("modelled")
    order = {"modelled": 0, "modelled_scaled_to_published": 1, "derived": 2, "published": 3}
    parts = rows[list(bases)].fillna("modelled")
    weakest = parts.apply(lambda r: min(r, key=order.__getitem__), axis=1)
    if len(bases) > 1:  # a ratio of two figures is computed, so at best derived
        weakest = weakest.replace("published", "derived")
    return weakest.replace(WORDS)
