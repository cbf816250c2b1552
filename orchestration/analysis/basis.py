"""Which of the displacement mart's modelled flags covers a column, so each figure is shown on its own basis.

The row-level `is_modelled` is conservative: it is true when anything in the row or the months its windows
read is modelled. On the bundled sample that marks OHSS's real apprehensions as modelled because the TRAC
figures beside them are. A month's own counts therefore answer to their own measure's flag; same-month
ratios answer to both counts' flags; metrics that read other months (changes, moving averages,
missing prosecutions) keep the row-level flag.
"""

from __future__ import annotations

import pandas as pd

ROW_FLAG = "is_modelled"
PROSECUTIONS = "prosecutions_is_modelled"
APPREHENSIONS = "bp_apprehensions_is_modelled"
MEASURE_FLAGS = {
    "immigration_prosecutions": (PROSECUTIONS,),
    "non_immigration_prosecutions": (PROSECUTIONS,),
    "total_prosecutions": (PROSECUTIONS,),
    "cbp_referred_prosecutions": (PROSECUTIONS,),
    "bp_apprehensions": (APPREHENSIONS,),
    # same-month ratios: modelled if either count is
    "non_immigration_share": (PROSECUTIONS,),
    "prosecutions_per_apprehension": (PROSECUTIONS, APPREHENSIONS),
}


def modelled(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per row, whether `column` is modelled; an unknown (NULL) flag counts as modelled, never as real."""
    flags = list(MEASURE_FLAGS.get(column, (ROW_FLAG,)))
    return rows[flags].fillna(True).astype(bool).any(axis=1)
