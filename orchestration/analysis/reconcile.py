"""The seed article's 2018 figures beside the warehouse's own values for the same thing.

The published numbers are transcribed from the pages they came from (each with its URL; the TRAC ones are
in shared/data/reference/trac_published_figures.csv, the apprehensions are CBP's exact monthly PDF). Changes
are recomputed from the two months rather than read from `pct_change_vs_baseline_*`, so the comparison
holds whatever baseline month the warehouse was built with. Each comparison is marked modelled by its own
measure's basis (`basis.modelled`): a real apprehensions figure is not marked modelled because TRAC's
figures that month are.

There is one implementation of "a published figure against the warehouse's": marts.fct_published_figure_checks.
Every figure TRAC printed that the curated file holds (the counts and the shares) is read from that mart, its
value, basis, agreement and independent value converted to the seed article's unit (a percent to a fraction),
so the refresh summary, the report and the mart cannot disagree. Only what the mart has no row for is
computed here: the changes (two months of the displacement mart) and CBP's apprehensions (not a TRAC figure).

An agreement can be empty: where the warehouse's figure IS the published one (TRAC's five-district figures,
loaded as is from the curated file: basis 'published'), it agrees by construction. Each comparison says so,
and gives the warehouse's independent value where it has one (the bulletins' own five-district sum), which is the
check that can fail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from orchestration.analysis import basis

BESPACIFIC = "http://bespacific.com/stepped-up-illegal-entry-prosecutions-reduce-those-for-other-crimes/"
TRAC_A3201 = "https://trac.syr.edu/tracatwork/detail/A3201.html"
MOTHER_JONES = ("https://fullsite.motherjones.com/politics/2018/08/the-spike-in-immigration-prosecutions-is-"
                "causing-other-crimes-to-go-unpunished/")
CBP_MONTHLY_PDF = ("https://www.cbp.gov/sites/default/files/assets/documents/2020-Jan/U.S.%20Border%20Patrol%20"
                   "Monthly%20Apprehensions%20%28FY%202000%20-%20FY%202019%29_1.pdf")
MAR, JUN = dt.date(2018, 3, 1), dt.date(2018, 6, 1)
# OHSS rounds each of the nine SW sectors to 10, so their sum can be up to 9 x 5 from CBP's exact total.
BP_ROUNDING = 45
BP_NOTE = "exact CBP figure; the warehouse sums OHSS's nine SW sectors, each rounded to 10 (agrees within 45)"


@dataclass(frozen=True)
class Figure:
    label: str
    published: float
    kind: str  # count | share | change
    column: str
    month: dt.date
    url: str
    tolerance: float  # how far the warehouse may be from the published figure and still agree
    note: str = ""
    change_from: dt.date | None = None


SEED_ARTICLE = [
    Figure("Non-immigration prosecutions, 5 SW districts, Mar 2018", 1093, "count",
           "non_immigration_prosecutions", MAR, BESPACIFIC, 0),
    Figure("Non-immigration prosecutions, 5 SW districts, Jun 2018", 703, "count",
           "non_immigration_prosecutions", JUN, BESPACIFIC, 0),
    Figure("Change in non-immigration prosecutions, Mar to Jun 2018", -0.357, "change",
           "non_immigration_prosecutions", JUN, BESPACIFIC, 0.0005, change_from=MAR),
    Figure("Non-immigration share of all prosecutions, Mar 2018 (one in seven)", 0.14, "share",
           "non_immigration_share", MAR, TRAC_A3201, 0.005),
    Figure("Non-immigration share of all prosecutions, Jun 2018 (one in seventeen)", 0.06, "share",
           "non_immigration_share", JUN, TRAC_A3201, 0.005),
    Figure("CBP-referred prosecutions, 5 SW districts, Mar 2018", 6368, "count",
           "cbp_referred_prosecutions", MAR, MOTHER_JONES, 0),
    Figure("CBP-referred prosecutions, 5 SW districts, Jun 2018", 11086, "count",
           "cbp_referred_prosecutions", JUN, BESPACIFIC, 0),
    Figure("Change in CBP-referred prosecutions, Mar to Jun 2018", 0.741, "change",
           "cbp_referred_prosecutions", JUN, MOTHER_JONES, 0.0005, change_from=MAR),
    Figure("Border Patrol apprehensions, SW border, Mar 2018", 37390, "count", "bp_apprehensions", MAR,
           CBP_MONTHLY_PDF, BP_ROUNDING, BP_NOTE),
    Figure("Border Patrol apprehensions, SW border, Jun 2018", 34089, "count", "bp_apprehensions", JUN,
           CBP_MONTHLY_PDF, BP_ROUNDING, BP_NOTE),
]


CHECKS = "marts.fct_published_figure_checks"
# the seed article's columns as fct_published_figure_checks names their series
CHECK_SERIES = {"non_immigration_prosecutions": "non_immigration", "cbp_referred_prosecutions": "cbp_referred",
                "non_immigration_share": "non_immigration_share"}
# a figure's unit in the checks mart against the seed article's (shares as fractions)
UNIT_SCALE = {"percent": 100.0}


@dataclass(frozen=True)
class Comparison:
    figure: Figure
    warehouse: float | None
    modelled: bool
    by_construction: bool = False  # the warehouse's figure is the published one, loaded as is
    independent: float | None = None  # the warehouse's own value from other releases (districts' sum)
    independent_modelled: bool = False

    @property
    def agreement(self) -> str:
        if self.warehouse is None:
            return "not comparable"
        return "by construction (loaded as is)" if self.by_construction else "independent"

    @property
    def difference(self) -> float | None:
        return None if self.warehouse is None else self.warehouse - self.figure.published

    @property
    def agrees(self) -> bool | None:
        return None if self.difference is None else abs(self.difference) <= self.figure.tolerance + 1e-9


def compare(sw_border: pd.DataFrame, figures: list[Figure] = SEED_ARTICLE,
            checks: pd.DataFrame | None = None) -> list[Comparison]:
    """`sw_border`: the displacement mart's SW_BORDER rows (month as date, the basis columns); `checks`:
    marts.fct_published_figure_checks (period_start as date). A figure the checks mart holds is its row;
    without the mart (or its row) such a figure is not comparable, never recomputed here."""
    by_month = {m: row for m, row in zip(sw_border["month"], sw_border.to_dict("records"))}
    out = []
    for f in figures:
        if in_checks_mart(f):
            out.append(_from_checks(f, checks))
            continue
        months = [f.month] + ([f.change_from] if f.change_from else [])
        values = [by_month[m].get(f.column) if m in by_month else None for m in months]
        if any(v is None or pd.isna(v) for v in values):
            out.append(Comparison(f, None, False))
            continue
        value = values[0] / values[1] - 1 if f.change_from else float(values[0])
        flags = dict(zip(sw_border["month"], basis.modelled(sw_border, f.column)))
        labels = dict(zip(sw_border["month"], basis.label(sw_border, f.column)))
        out.append(Comparison(f, value, any(flags[m] for m in months),
                              by_construction=all(labels[m] == "published" for m in months)))
    return out


def in_checks_mart(f: Figure) -> bool:
    """Whether the figure is one TRAC printed for a single month that the checks mart compares."""
    return f.column in CHECK_SERIES and not f.change_from


def _from_checks(f: Figure, checks: pd.DataFrame | None) -> Comparison:
    """The checks mart's verdict on `f`, in the seed article's unit: published and warehouse values, basis,
    agreement and the independent value all from the same row."""
    if checks is None:
        return Comparison(f, None, False)
    row = checks[(checks["geography"] == "SW_BORDER") & (checks["series"] == CHECK_SERIES[f.column])
                 & (checks["period_start"] == f.month) & (checks["period_end"] == f.month)]
    if row.empty:
        return Comparison(f, None, False)
    r = row.iloc[0]
    scale = UNIT_SCALE.get(r["unit"], 1.0)

    def value(column: str) -> float | None:
        return None if pd.isna(r[column]) else float(r[column]) / scale

    figure = replace(f, published=float(r["published_value"]) / scale)
    if r["agreement"] == "not_comparable" or value("warehouse_value") is None:
        return Comparison(figure, None, False)
    independent = value("independent_value") if r["agreement"] == "by_construction" else None
    return Comparison(figure, value("warehouse_value"), _is_modelled(r["warehouse_basis"]),
                      by_construction=r["agreement"] == "by_construction", independent=independent,
                      independent_modelled=independent is not None and _is_modelled(r["independent_basis"]))


def _is_modelled(value) -> bool:
    """A basis from the checks mart: modelled (scaled or not) or unknown counts as modelled."""
    return pd.isna(value) or value in basis.MODELLED


def read_checks(con) -> pd.DataFrame:
    """marts.fct_published_figure_checks, periods as dates."""
    checks = con.sql(f"SELECT * FROM {CHECKS} ORDER BY source_row").df()
    for column in ("period_start", "period_end"):
        checks[column] = pd.to_datetime(checks[column]).dt.date
    return checks


def agreement_counts(checks: pd.DataFrame) -> dict[str, int]:
    """How many published figures agree by construction, independently, or cannot be compared."""
    return {k: int(v) for k, v in checks["agreement"].value_counts().sort_index().items()}


def fmt(value: float | None, kind: str, signed: bool = False) -> str:
    """A published or warehouse value (`signed=False`) or their difference (`signed=True`)."""
    if value is None:
        return "not in warehouse"
    if kind == "count":
        return f"{value:+,.0f}" if signed else f"{value:,.0f}"
    if signed:  # a difference of two fractions: percentage points
        return f"{value * 100:+.1f} pp"
    return f"{value:+.1%}" if kind == "change" else f"{value:.1%}"
