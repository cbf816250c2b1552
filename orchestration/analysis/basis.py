"""Which of the displacement mart's modelled flags covers a column, so each figure is shown on its own basis.

The row-level `is_modelled` is conservative: it is true when anything in the row or the months its windows
read is modelled. On the bundled sample that marks OHSS's real apprehensions as modelled because the TRAC
figures beside them are. A month's own counts therefore answer to their own measure's flag; derived metrics
(shares, changes, moving averages, missing prosecutions) keep the row-level flag.
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
    # a same-month ratio of the two counts: modelled if either is
    "prosecutions_per_apprehension": (PROSECUTIONS, APPREHENSIONS),
}


def modelled(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per row, whether `column` is modelled. A warehouse published before the measure flags existed has
    only `is_modelled`; it is used then, since the conservative flag never shows a modelled figure as real
    (and an unknown flag counts as modelled for the same reason)."""
    flags = [f for f in MEASURE_FLAGS.get(column, (ROW_FLAG,)) if f in rows] or [ROW_FLAG]
    return rows[flags].fillna(True).astype(bool).any(axis=1)
