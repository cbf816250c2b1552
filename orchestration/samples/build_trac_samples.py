"""Write crowdout's sample TRAC bulletin pages: TRAC's national pages in TRAC's real layout, TRAC's bulletin
figures where they are known, modelled figures everywhere else, each modelled cell marked
`data-basis="modelled"`.

No TRAC page can be fetched from the machines that build and test crowdout, so the demo and the tests read
national pages built here for the four series crowdout follows (immigration, overall, hsaa, jdea), October
2016 to September 2019, each with Table 1 (caption after the figures, as on TRAC's pages), the top lead
charges and the ranked districts table, which is where TRAC's free district figures are; and for the six
program bulletins that make up "everything else" (drugs, weapons, white collar crime, terrorism, organized
crime, government regulatory), the same months, with Table 1 and its sentence (the program mart reads
nothing else from them), in the layouts TRAC prints them in: the five figures for the large programs, the
small-series four (Number Previous Month and one five-year change) for terrorism, organized crime and
regulatory offenses.

What the model does NOT do: it does not make the border districts add up to the five-district figures TRAC
printed in its reports (1,093 and 703 non-immigration prosecutions, the CBP-referred series). Those enter
the warehouse as published figures (orchestration/published/), and the warehouse checks them against the
districts' sum, so that check must not agree by construction of this sample. The district series follow
the reports' story only approximately, each district with its own share of the border total that drifts
from month to month, so that comparing districts does not compare one weight times a total.

Deterministic: no randomness (the month-to-month variation is a fixed function of district and month), so
`python -m orchestration.samples.build_trac_samples` rewrites identical bytes.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from orchestration.config import RELEASES_TOML, SAMPLE_RELEASES_DIR, read_releases
from orchestration.connectors import calendar, trac

FIRST_MODEL_MONTH = date(2011, 1, 1)  # five years plus a moving average before the first page
FIRST_PAGE_MONTH = date(2016, 10, 1)
LAST_MONTH = date(2019, 9, 1)
NUMBERS_FIRST_UNTIL = date(2016, 11, 1)  # these pages print Table 1 as a bare row of five numbers
BORDER = ("AZ", "CAS", "NM", "TXS", "TXW")

# TRAC's district names with approximate 2018 populations in millions (for the per-capita column).
DISTRICTS = {
    "AZ": ("Arizona", 7.17),
    "CAS": ("California, South (San Diego)", 3.35),
    "NM": ("New Mexico", 2.10),
    "TXS": ("Texas, South (Houston)", 9.60),
    "TXW": ("Texas, West (San Antonio)", 7.30),
}
# Large districts away from the border: (TRAC name, population, share of the non-border remainder of
# immigration, of non-immigration, of DEA-referred cases).
OTHERS = [
    ("California, Central (Los Angeles)", 19.40, 0.050, 0.055, 0.060),
    ("Florida, South (Miami)", 6.90, 0.030, 0.050, 0.075),
    ("Puerto Rico", 3.20, 0.020, 0.045, 0.050),
    ("Texas, North (Dallas)", 7.90, 0.015, 0.040, 0.045),
    ("Washington, West (Seattle)", 5.20, 0.025, 0.035, 0.020),
    ("Georgia, North (Atlanta)", 6.70, 0.018, 0.030, 0.040),
    ("New York, South (Manhattan)", 5.00, 0.012, 0.030, 0.050),
]

# --- TRAC's own bulletin figures (trac_published_figures.csv rows whose source is the bulletin page) ---
# Printed unmarked. Figures TRAC printed elsewhere (reports, press releases) are NOT printed here: they
# reach the warehouse through the trac-published-figures family, and are checked against these pages.
PUBLISHED = {
    ("immigration", date(2018, 2, 1)): (5670, -4.9, 14.1, -31.3, -10.3),
    ("immigration", date(2018, 3, 1)): (7020, 23.9, 21.3, -30.0, -6.7),
    ("immigration", date(2018, 6, 1)): (12348, 22.2, 79.9, -1.4, 1.4),
    ("jdea", date(2018, 6, 1)): (1045, 12.6, 5.5, -11.5, -15.4),
}

# --- the model ---------------------------------------------------------------------------------------
# National immigration prosecutions, October 2016 - September 2019; None = taken from, or back-calculated
# from, a published figure.
US_IMMIGRATION = [
    5600, 5300, 4700, 4700, 4050, 5050, 4450, 4800, 4900, 4850, 5200, 5300,      # FY2017
    5600, 5900, 5500, None, None, None, 9200, None, None, 11900, 10900, 9800,    # FY2018
    10700, 11400, 8800, 7900, 8500, 9300, 9400, 9600, 9200, 9000, 8700, 8100,    # FY2019
]
# November and December 2018 follow TRAC report 547: immigration was 69% and 65% of all prosecutions
# (about 16,500 and 13,569). Its district figures anchor the two Texas districts' modelled immigration
# those months (each within a few percent of TRAC's, not equal: the published figures reach the warehouse
# through trac-published-figures and are checked against these pages).
DISTRICT_ANCHORS = {
    ("TXS", date(2018, 11, 1)): 5338, ("TXS", date(2018, 12, 1)): 4200,
    ("TXW", date(2018, 11, 1)): 1880, ("TXW", date(2018, 12, 1)): 1245,
}
# The five border districts' non-immigration prosecutions: a level that falls during the zero-tolerance
# spike and recovers (about 1,100-1,200 before, 700-800 at the low, 1,000-1,100 in 2019).
BORDER_NON_IMMIGRATION = [
    1210, 1150, 1100, 1130, 1120, 1240, 1170, 1190, 1160, 1120, 1200, 1140,
    1170, 1120, 1080, 1100, 1060, 1100, 960, 820, 730, 760, 880, 960,
    1040, 1010, 900, 870, 1000, 1090, 1070, 1080, 1050, 1040, 1090, 1030,
]
# Before October 2016 (needed only for 1-year and 5-year changes): a level interpolated between these
# April anchors, times a month-of-year factor. The non-border remainder uses this form throughout.
US_IMMIGRATION_LEVEL = [
    (date(y, 4, 1), v) for y, v in zip(range(2011, 2018), (7300, 8500, 8600, 7300, 5900, 5500, 4900))
]
BORDER_NON_IMMIGRATION_LEVEL = [
    (date(y, 4, 1), v) for y, v in zip(range(2011, 2018), (1450, 1420, 1380, 1330, 1280, 1240, 1180))
]
REST_NON_IMMIGRATION_LEVEL = [
    (date(y, 4, 1), v) for y, v in zip(range(2011, 2020), (5600, 5450, 5150, 4900, 4700, 4500, 4350, 4250, 4200))
]
DEA_LEVEL = [(date(y, 4, 1), v) for y, v in zip(range(2011, 2020), (1250, 1230, 1190, 1120, 1060, 1010, 990, 960, 940))]
IMMIGRATION_SEASON = (0.93, 0.92, 1.08, 1.03, 1.06, 1.02, 1.02, 1.04, 0.90, 1.00, 0.98, 0.92)
NON_IMMIGRATION_SEASON = (0.96, 0.95, 1.06, 1.01, 1.02, 0.99, 0.97, 1.04, 0.98, 1.01, 0.97, 0.94)

BORDER_SHARE_OF_IMMIGRATION = 0.93
# Each border district's share of the border total: a base share, a yearly drift (fraction of the share per
# year from 2018), the depth of its zero-tolerance change (immigration up, non-immigration down: a factor
# at the June 2018 peak), and the amplitude and period (months) of its own month-to-month swing.
@dataclass(frozen=True)
class Profile:
    base: float
    drift: float
    zero_tolerance: float
    swing: float
    period: int


IMMIGRATION_PROFILE = {
    "AZ": Profile(0.20, -0.02, 1.10, 0.06, 7), "CAS": Profile(0.07, 0.03, 1.35, 0.09, 5),
    "NM": Profile(0.09, 0.04, 1.20, 0.08, 9), "TXS": Profile(0.50, -0.01, 0.92, 0.03, 11),
    "TXW": Profile(0.14, 0.02, 1.05, 0.07, 4),
}
NON_IMMIGRATION_PROFILE = {
    "AZ": Profile(0.30, -0.03, 0.80, 0.05, 6), "CAS": Profile(0.15, 0.02, 1.25, 0.07, 8),
    "NM": Profile(0.09, 0.00, 1.15, 0.10, 5), "TXS": Profile(0.27, 0.01, 0.95, 0.04, 10),
    "TXW": Profile(0.19, -0.01, 0.90, 0.06, 7),
}
# Magistrate-court share of immigration cases (petty illegal entry), which zero tolerance pushed up.
MAGISTRATE_SHARE = [(date(2011, 1, 1), 0.42), (date(2013, 12, 1), 0.42), (date(2017, 12, 1), 0.25),
                    (date(2018, 3, 1), 0.25), (date(2018, 4, 1), 0.40), (date(2018, 5, 1), 0.48),
                    (date(2018, 6, 1), 0.54), (date(2018, 7, 1), 0.50), (date(2018, 8, 1), 0.44),
                    (date(2018, 9, 1), 0.40)]
MAGISTRATE_SHARE_NON_IMMIGRATION = 0.05
# Immigration and Customs in Homeland Security (hsaa): most immigration cases and a few others.
HSAA_SHARE = (0.92, 0.04)
# DEA cases in the border districts: shares of the national DEA count.
DEA_BORDER = {"AZ": 0.045, "CAS": 0.060, "NM": 0.012, "TXS": 0.070, "TXW": 0.040}
# Lead charges: 8 USC 1325's share of immigration cases; the rest split in fixed proportions.
ILLEGAL_ENTRY_SHARE = [(date(2011, 1, 1), 0.40), (date(2018, 3, 1), 0.40), (date(2018, 4, 1), 0.52),
                       (date(2018, 5, 1), 0.60), (date(2018, 6, 1), 0.66), (date(2018, 7, 1), 0.63),
                       (date(2018, 8, 1), 0.56), (date(2018, 9, 1), 0.50), (date(2018, 10, 1), 0.48)]
IMMIGRATION_CHARGES = [  # (title, section, description, share of the non-1325 remainder)
    ("08", "1326", "Reentry of deported alien", Fraction("0.80")),
    ("08", "1324", "Bringing in and harboring certain aliens", Fraction("0.12")),
    ("18", "1546", "Fraud and misuse of visas, permits, and other documents", Fraction("0.05")),
]
NON_IMMIGRATION_CHARGES = [  # (title, section, description, share of non-immigration cases)
    ("21", "846", "Attempt and conspiracy (controlled substances)", Fraction("0.19")),
    ("21", "841", "Prohibited acts A (controlled substances)", Fraction("0.13")),
    ("21", "960", "Prohibited acts A (import and export of controlled substances)", Fraction("0.10")),
    ("21", "952", "Importation of controlled substances", Fraction("0.07")),
    ("18", "922", "Firearms; unlawful acts", Fraction("0.06")),
    ("18", "1343", "Fraud by wire, radio, or television", Fraction("0.05")),
]
ILLEGAL_ENTRY = ("08", "1325", "Improper entry by alien")
SERIES = ("immigration", "overall", "hsaa", "jdea")
TOP = 10  # districts and lead charges TRAC ranks


@dataclass(frozen=True)
class Parts:
    """A count split by program, which is what the lead charges and the magistrate share depend on."""

    immigration: int
    other: int

    @property
    def total(self) -> int:
        return self.immigration + self.other


def largest_remainder(total: int, weights: dict) -> dict:
    """Integers proportional to `weights` that sum to exactly `total` (ties go to the earlier key)."""
    weight_sum = sum(Fraction(w) for w in weights.values())
    quotas = {k: Fraction(total) * Fraction(w) / weight_sum for k, w in weights.items()}
    shares = {k: int(q) for k, q in quotas.items()}
    order = sorted(weights, key=lambda k: -(quotas[k] - shares[k]))
    for k in order[: total - sum(shares.values())]:
        shares[k] += 1
    return shares


def interpolate(anchors: list[tuple[date, float]], month: date) -> float:
    """Piecewise-linear between anchors, flat beyond them."""
    index = [(d.year * 12 + d.month, v) for d, v in anchors]
    x = month.year * 12 + month.month
    if x <= index[0][0]:
        return index[0][1]
    for (x0, v0), (x1, v1) in zip(index, index[1:]):
        if x <= x1:
            return v0 + (v1 - v0) * (x - x0) / (x1 - x0)
    return index[-1][1]


def seasonal(anchors, season, month: date) -> int:
    return round(interpolate(anchors, month) * season[month.month - 1])


def _zero_tolerance(m: date) -> float:
    """0 before April 2018 and from October 2018, 1 at the June 2018 peak."""
    return {date(2018, 4, 1): 0.4, date(2018, 5, 1): 0.75, date(2018, 6, 1): 1.0, date(2018, 7, 1): 0.8,
            date(2018, 8, 1): 0.5, date(2018, 9, 1): 0.25}.get(m, 0.0)


def district_shares(profiles: dict[str, Profile], m: date) -> dict[str, float]:
    """Each district's share of the border total in month m; they differ by district and by month."""
    t = m.year * 12 + m.month
    years = (t - (2018 * 12 + 1)) / 12
    raw = {}
    for i, (d, p) in enumerate(profiles.items()):
        swing = 1 + p.swing * math.sin(2 * math.pi * t / p.period + i)
        raw[d] = p.base * (1 + p.drift * years) * swing * (1 + (p.zero_tolerance - 1) * _zero_tolerance(m))
    total = sum(raw.values())
    return {d: v / total for d, v in raw.items()}


def wobble(key: str, m: date, amplitude: float) -> float:
    """A fixed factor near 1 for a district and month (no randomness: a sum of two sines)."""
    seed = sum(ord(c) for c in key)
    t = m.year * 12 + m.month
    return 1 + amplitude * (0.6 * math.sin(t * 1.7 + seed) + 0.4 * math.sin(t * 0.45 + 2 * seed))


class Model:
    """Counts for every series, geography and month, 2011 to 2019."""

    def __init__(self):
        self.months = calendar.month_range(FIRST_MODEL_MONTH, LAST_MONTH)
        self.parts: dict[tuple[str, str, date], Parts] = {}
        us_imm, border_non = self._national()
        for m in self.months:
            self._month(m, us_imm[m], border_non[m])

    def _national(self):
        pages = calendar.month_range(FIRST_PAGE_MONTH, LAST_MONTH)
        explicit = dict(zip(pages, US_IMMIGRATION))
        us_imm = {m: explicit[m] if m in explicit else seasonal(US_IMMIGRATION_LEVEL, IMMIGRATION_SEASON, m)
                  for m in self.months}
        explicit_non = dict(zip(pages, BORDER_NON_IMMIGRATION))
        border_non = {m: explicit_non.get(m) or seasonal(BORDER_NON_IMMIGRATION_LEVEL, NON_IMMIGRATION_SEASON, m)
                      for m in self.months}
        for (series, m), figures in PUBLISHED.items():
            if series != "immigration":
                continue
            us_imm[m] = figures[0]
            previous = calendar.add_months(m, -1)
            if (series, previous) not in PUBLISHED:  # back-calculated from the published monthly change
                us_imm[previous] = round(Fraction(figures[0]) / (1 + Fraction(str(figures[1])) / 100))
        missing = [m for m, v in us_imm.items() if v is None]
        assert not missing, f"no model value for {missing}"
        return us_imm, border_non

    def _month(self, m: date, us_imm: int, border_non: int) -> None:
        imm_shares = district_shares(IMMIGRATION_PROFILE, m)
        non_shares = district_shares(NON_IMMIGRATION_PROFILE, m)
        border_imm = BORDER_SHARE_OF_IMMIGRATION * us_imm
        # each district rounded on its own, with its own wobble: the five do not add up to a target
        imm = {d: round(border_imm * imm_shares[d] * wobble(d + "i", m, 0.03)) for d in BORDER}
        for (d, month), anchor in DISTRICT_ANCHORS.items():
            if month == m:
                imm[d] = round(anchor * wobble(d + "a", m, 0.03))
        non = {d: round(border_non * non_shares[d] * wobble(d + "n", m, 0.04)) for d in BORDER}
        rest_imm = us_imm - sum(imm.values())
        assert rest_imm > 0, f"border districts exceed the nation's immigration prosecutions in {m}"
        rest_non = seasonal(REST_NON_IMMIGRATION_LEVEL, NON_IMMIGRATION_SEASON, m)
        dea = ("jdea", m) in PUBLISHED and PUBLISHED["jdea", m][0] or seasonal(DEA_LEVEL, NON_IMMIGRATION_SEASON, m)
        if ("jdea", calendar.add_months(m, 1)) in PUBLISHED:  # back-calculated from June 2018's published change
            after = PUBLISHED["jdea", calendar.add_months(m, 1)]
            dea = round(after[0] / (1 + after[1] / 100))
        for d in BORDER:
            self.parts["immigration", d, m] = Parts(imm[d], 0)
            self.parts["overall", d, m] = Parts(imm[d], non[d])
            self.parts["hsaa", d, m] = Parts(round(HSAA_SHARE[0] * imm[d]), round(HSAA_SHARE[1] * non[d]))
            self.parts["jdea", d, m] = Parts(0, round(dea * DEA_BORDER[d] * wobble(d + "d", m, 0.25)))
        for name, _, imm_share, non_share, dea_share in OTHERS:
            i = round(rest_imm * imm_share * wobble(name + "i", m, 0.05))
            n = round(rest_non * non_share * wobble(name + "n", m, 0.05))
            self.parts["immigration", name, m] = Parts(i, 0)
            self.parts["overall", name, m] = Parts(i, n)
            self.parts["hsaa", name, m] = Parts(round(HSAA_SHARE[0] * i), round(HSAA_SHARE[1] * n))
            self.parts["jdea", name, m] = Parts(0, round(dea * dea_share * wobble(name + "d", m, 0.1)))
        non_total = sum(non.values()) + rest_non
        self.parts["immigration", "US", m] = Parts(us_imm, 0)
        self.parts["overall", "US", m] = Parts(us_imm, non_total)
        self.parts["hsaa", "US", m] = Parts(round(HSAA_SHARE[0] * us_imm), round(HSAA_SHARE[1] * non_total))
        self.parts["jdea", "US", m] = Parts(0, dea)

    def count(self, series: str, geo: str, m: date) -> int:
        return self.parts[series, geo, m].total

    def excluding_magistrate(self, series: str, geo: str, m: date) -> float:
        p = self.parts[series, geo, m]
        magistrate = interpolate(MAGISTRATE_SHARE, m)
        return p.immigration * (1 - magistrate) + p.other * (1 - MAGISTRATE_SHARE_NON_IMMIGRATION)

    def changes(self, series: str, geo: str, m: date) -> tuple[float, float]:
        """1-year and 5-year changes on six-month moving averages, as TRAC computes them."""
        def count(month: date) -> int:
            return self.count(series, geo, month)
        return (_change(_ma6(count, m), _ma6(count, calendar.add_months(m, -12))),
                _change(_ma6(count, m), _ma6(count, calendar.add_months(m, -60))))

    def table1(self, series: str, m: date) -> list[tuple[float | int, bool]]:
        """The five Table 1 figures, each with whether it is modelled (not one TRAC published)."""
        count = self.count(series, "US", m)
        one_year, five_years = self.changes(series, "US", m)
        modelled = [
            count,
            _change(count, self.count(series, "US", calendar.add_months(m, -1))),
            one_year,
            five_years,
            _change(_ma6(lambda x: self.excluding_magistrate(series, "US", x), m),
                    _ma6(lambda x: self.excluding_magistrate(series, "US", x), calendar.add_months(m, -60))),
        ]
        published = PUBLISHED.get((series, m), ())
        assert not published or published[0] == count, f"model misses the published {series} {m}"
        return [(published[i], False) if i < len(published) else (v, True) for i, v in enumerate(modelled)]

    def lead_charges(self, series: str, m: date) -> list[tuple[str, str, int]]:
        """Top ten (statute as TRAC prints it, description, count), most prosecutions first."""
        p = self.parts[series, "US", m]
        entry_share = Fraction(str(interpolate(ILLEGAL_ENTRY_SHARE, m)))
        imm_weights = {c[:3]: c[3] * (1 - entry_share) for c in IMMIGRATION_CHARGES}
        imm_weights["other immigration"] = (1 - entry_share) - sum(imm_weights.values())
        imm_weights[ILLEGAL_ENTRY] = entry_share
        non_weights = {c[:3]: c[3] for c in NON_IMMIGRATION_CHARGES}
        non_weights["other"] = 1 - sum(non_weights.values())
        counts = {**largest_remainder(p.immigration, imm_weights), **largest_remainder(p.other, non_weights)}
        charges = [(charge, n) for charge, n in counts.items() if n and isinstance(charge, tuple)]
        rows = [(f"{title} USC {section}", description, n) for (title, section, description), n in charges]
        return sorted(rows, key=lambda r: (-r[2], r[0]))[:TOP]

    def district_ranking(self, series: str, m: date) -> list[tuple[str, int, float, float, float]]:
        """TRAC's top ten districts: (name, count, per million people, 1-year and 5-year change)."""
        geos = [(d, *DISTRICTS[d]) for d in BORDER] + [(name, name, pop) for name, pop, *_ in OTHERS]
        rows = [(name, self.count(series, geo, m), pop, *self.changes(series, geo, m)) for geo, name, pop in geos]
        top = sorted(rows, key=lambda r: (-r[1], r[0]))[:TOP]
        return [(name, n, round(n / pop, 1), one, five) for name, n, pop, one, five in top]


def _ma6(series, m: date) -> float:
    return sum(series(calendar.add_months(m, -i)) for i in range(6)) / 6


def _change(now: float, then: float) -> float:
    return round((now / then - 1) * 100, 1) if then else 0.0


# --- program bulletins ------------------------------------------------------------------------------------
# TRAC's program bulletin figures printed on these very pages (unmarked); the previous month is
# back-calculated from the printed change (white collar) or printed (terrorism's Number Previous Month).
# A blank cell (None) is a figure TRAC left blank.
PROGRAM_PUBLISHED = {
    # trac.syr.edu/tracreports/bulletins/white_collar_crime/monthlyoct18/fil: five-year cells blank
    ("white_collar_crime", date(2018, 10, 1)): (403, -9.8, -1.1, None, None),
    # trac.syr.edu/tracreports/bulletins/terrorism/monthlydec17/fil: latest, previous, 1 year, 5 years
    ("terrorism", date(2017, 12, 1)): (15, 19, -21.2, -37.4),
}


@dataclass(frozen=True)
class Program:
    """A program bulletin: TRAC's title words, whether it prints the small-series Table 1, a monthly level
    interpolated between April anchors (2011-2019), how far it dips at the zero-tolerance peak (a factor at
    June 2018, national), and the amplitude of its month-to-month wobble."""

    words: str
    small: bool
    levels: tuple[int, ...]
    zero_tolerance: float
    wobble: float

    def anchors(self) -> list[tuple[date, float]]:
        return [(date(y, 4, 1), v) for y, v in zip(range(2011, 2020), self.levels)]


# Levels (monthly, April of 2011 ... 2019). Where TRAC printed a total, the level follows it: weapons from its
# fiscal-year totals (FY2014 6,632, FY2016 7,488, FY2017 8,235, FY2018 10,058, FY2019 on pace for 11,187:
# TRAC reports 560 and the Washington Times on TRAC's figures), white collar (FY2012 8,433, FY2016 6,253,
# FY2017 5,825, FY2018 on pace for 5,570: TRAC reports 514 and TRACFED), drugs (8,814 in February - June
# 2017 and 9,687 a year earlier: report 475; 1,487 in January 2014), terrorism (FY2014-FY2019 totals, report
# 572). Organized crime and regulatory offenses: no TRAC figure was found; levels of tens a month, modelled.
# The zero-tolerance dips are assumptions (TRAC reported non-immigration cases falling in the border
# districts, where drug cases are many), not figures: the sample's "which programs fell" is modelled.
PROGRAMS = {
    "drugs": Program("Narcotics/Drugs", False, (2150, 2050, 1850, 1650, 1750, 1937, 1763, 1780, 1720), 0.93, 0.05),
    "weapons": Program("Weapons", False, (620, 610, 580, 553, 590, 624, 686, 838, 932), 0.98, 0.06),
    "white_collar_crime": Program("White Collar Crime", False, (790, 703, 650, 610, 578, 521, 485, 464, 452),
                                  0.96, 0.06),
    "terrorism": Program("National Internal Security/Terrorism", True, (22, 19, 17, 18, 18, 22, 16, 14, 20),
                         1.0, 0.25),
    "orgcrime": Program("Organized Crime", True, (105, 98, 90, 85, 80, 75, 70, 68, 65), 0.97, 0.15),
    "regulation": Program("Government Regulatory", True, (60, 56, 52, 48, 45, 42, 40, 38, 35), 0.95, 0.2),
}


def program_counts(series: str) -> dict[date, int]:
    """A program's national monthly count, 2011-2019: level x season x its zero-tolerance dip x wobble, and
    TRAC's printed figures (with the previous month they imply) where it printed them."""
    p = PROGRAMS[series]
    counts = {m: max(1, round(interpolate(p.anchors(), m) * NON_IMMIGRATION_SEASON[m.month - 1]
                              * (1 + (p.zero_tolerance - 1) * _zero_tolerance(m)) * wobble(series, m, p.wobble)))
              for m in calendar.month_range(FIRST_MODEL_MONTH, LAST_MONTH)}
    for (name, m), figures in PROGRAM_PUBLISHED.items():
        if name == series:
            counts[m] = figures[0]
            previous = calendar.add_months(m, -1)
            counts[previous] = figures[1] if p.small else round(figures[0] / (1 + figures[1] / 100))
    return counts


def program_table1(series: str, counts: dict[date, int], m: date) -> list[tuple[float | int | None, bool]]:
    """Table 1's figures in TRAC's order, each with whether it is modelled: the five (count, change on the
    previous month, 1 and 5 years on six-month moving averages, the five-year change excluding magistrate
    court taken as equal: programs have few magistrate cases) or the small series' four (count, previous
    count, 1 and 5 years)."""
    def count(month: date) -> int:
        return counts[month]
    now, previous = counts[m], counts[calendar.add_months(m, -1)]
    one_year = _change(_ma6(count, m), _ma6(count, calendar.add_months(m, -12)))
    five_years = _change(_ma6(count, m), _ma6(count, calendar.add_months(m, -60)))
    modelled = ([now, previous, one_year, five_years] if PROGRAMS[series].small
                else [now, _change(now, previous), one_year, five_years, five_years])
    published = PROGRAM_PUBLISHED.get((series, m))
    if published is None:
        return [(v, True) for v in modelled]
    assert published[0] == now, f"model misses the published {series} {m}"
    return [(v, False) for v in published]


# --- the pages ---------------------------------------------------------------------------------------

TABLE1_CAPTION = {
    "immigration": "Criminal Immigration Prosecutions",
    "overall": "Criminal Prosecutions",
    "hsaa": "Criminal Prosecutions",
    "jdea": "Criminal Prosecutions",
    **{series: f"Criminal {p.words} Prosecutions" for series, p in PROGRAMS.items()},
}
AGENCY = {"hsaa": "Immigration and Customs in Homeland Security", "jdea": "Drug Enforcement Administration"}
KIND = {"immigration": "immigration", "overall": "", "hsaa": "", "jdea": ""}
BANNER = (
    '<div class="crowdout-sample" role="note"><strong>crowdout SAMPLE page &mdash; not published by TRAC.'
    "</strong> It copies the layout of a TRAC monthly bulletin so crowdout can be demonstrated and tested "
    "offline. Figures in cells marked <code>data-basis=\"modelled\"</code> (shown in italics) are "
    "<strong>modelled values</strong>, not TRAC's; unmarked figures are TRAC's published figures. "
    "See orchestration/samples/PROVENANCE.md.</div>"
)
STYLE = (
    ".crowdout-sample{border:3px solid #b00;background:#fee;padding:.6em;margin-bottom:1em}"
    'td[data-basis="modelled"]{font-style:italic}'
)


def _heading(series: str, m: date) -> str:
    prefix = "Immigration Prosecutions" if series == "immigration" else "Prosecutions"
    return f"{prefix} for {calendar.month_and_year(m)}"


def _title(series: str, m: date) -> str:
    """Agency bulletins are titled by the referring agency, program bulletins by the month."""
    return f"Referring Agency: {AGENCY[series]}" if series in AGENCY else _heading(series, m)


def _figure(text: str, modelled: bool) -> str:
    return f'<td align="right" data-basis="modelled">{text}</td>' if modelled else f'<td align="right">{text}</td>'


def _format(value: float | int) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.1f}".replace("-0.0", "0.0")


def _table1_html(series: str, m: date, figures, labels=tuple(trac.TABLE1_LABELS.values())) -> list[str]:
    """TRAC's two layouts: a bare row of five with the caption below (2016), labels first with the caption
    as the table's last row (from December 2016), the five-year labels over two lines. A figure TRAC left
    blank is an empty cell."""
    cells = [_figure("" if v is None else _format(v), modelled) for v, modelled in figures]
    caption = f"Table 1. {TABLE1_CAPTION[series]}"
    if m <= NUMBERS_FIRST_UNTIL and len(figures) == len(trac.TABLE1_LABELS):
        return ['<table class="table1">', "<tr>" + "".join(cells) + "</tr>", "</table>",
                f'<p align="center"><b>{caption}</b></p>']
    labels = [html.escape(label).replace(" (", "<br>(") for label in labels]
    return [
        '<table class="table1">',
        *(f"<tr><td>{label}</td>{cell}</tr>" for label, cell in zip(labels, cells)),
        f'<tr><td colspan="2"><b>{caption}</b></td></tr>',
        "</table>",
    ]


def _lead_charges_html(rows) -> list[str]:
    return [
        '<table class="lead-charges" border="1">',
        "<tr><th>Lead Charge</th><th>Count</th><th>Rank</th></tr>",
        *(
            f"<tr><td>{statute} - {html.escape(description)}</td>{_figure(f'{n:,}', True)}<td>{rank}</td></tr>"
            for rank, (statute, description, n) in enumerate(rows, start=1)
        ),
        "</table>",
        "<p><b>Table 2. Top charges filed</b></p>",
    ]


def _districts_html(rows) -> list[str]:
    return [
        '<table class="districts" border="1">',
        '<tr><th rowspan="2">Judicial District</th><th rowspan="2">Percapita</th><th rowspan="2">Prosecutions</th>'
        '<th rowspan="2">Rank</th><th colspan="2">Percent Change</th></tr>',
        "<tr><th>1yr ago</th><th>5yrs ago</th></tr>",
        *(
            f"<tr><td>{html.escape(name)}</td>{_figure(f'{rate:.1f}', True)}{_figure(f'{n:,}', True)}<td>{rank}</td>"
            f"{_figure(_format(one), True)}{_figure(_format(five), True)}</tr>"
            for rank, (name, n, rate, one, five) in enumerate(rows, start=1)
        ),
        "</table>",
        "<p><b>Table 3. Top 10 districts (ranked by prosecutions)</b></p>",
    ]


def render(model: Model, series: str, m: date) -> str:
    count = model.count(series, "US", m)
    kind = f"{KIND[series]} " if KIND[series] else ""
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_title(series, m)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        BANNER,
        f"<h2>{_heading(series, m)}</h2>",
        *_table1_html(series, m, model.table1(series, m)),
        f"<p>The latest available data from the Justice Department show that during {calendar.month_and_year(m)} the government "
        f"reported {count} new {kind}prosecutions (see Table 1).</p>",
        *_lead_charges_html(model.lead_charges(series, m)),
        *_districts_html(model.district_ranking(series, m)),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(lines)


SMALL_TABLE1_LABELS = ("Number Latest Month", "Number Previous Month", "Percent Change from 1 year ago",
                       "Percent Change from 5 years ago")


def render_program(series: str, counts: dict[date, int], m: date) -> str:
    """A program bulletin: its title, Table 1 and the sentence TRAC prints under it (the small series say
    "up from 19 the previous month", the others the percent change)."""
    p = PROGRAMS[series]
    figures = program_table1(series, counts, m)
    count, previous = counts[m], counts[calendar.add_months(m, -1)]
    heading = f"{p.words} Prosecutions for {calendar.month_and_year(m)}"
    if p.small:
        table1 = _table1_html(series, m, figures, SMALL_TABLE1_LABELS)
        direction = "up" if count > previous else "down" if count < previous else "unchanged"
        change = (f"this number is unchanged from {previous} the previous month" if direction == "unchanged"
                  else f"this number is {direction} from {previous} the previous month")
    else:
        table1 = _table1_html(series, m, figures)
        pct = figures[1][0]
        change = f"this number is {'up' if pct >= 0 else 'down'} {abs(pct):.1f} percent over the previous month"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(heading)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        BANNER,
        f"<h2>{html.escape(heading)}</h2>",
        *table1,
        f"<p>The latest available data from the Justice Department show that during {calendar.month_and_year(m)} the government "
        f"reported {count} new {html.escape(p.words.lower())} prosecutions. According to the case-by-case "
        f"information analyzed by the Transactional Records Access Clearinghouse (TRAC), {change}.</p>",
        "</body>",
        "</html>",
        "",
    ])


def page_path(ref) -> Path:
    """The file a sample-mode URL points at: the URL's folder, index.html inside it."""
    return Path(url2pathname(urlparse(ref.url).path)) / "index.html"


def build(root: Path) -> list[Path]:
    """Write every sample page under `root` (a publisher folder like samples/releases/tracreports.org)."""
    cfg = read_releases(RELEASES_TOML).families[trac.FAMILY]
    model = Model()
    programs = {series: program_counts(series) for series in PROGRAMS}
    written = []
    for ref in trac.discover(cfg, root.resolve().as_uri(), None,
                             months=calendar.month_range(FIRST_PAGE_MONTH, LAST_MONTH)):
        path = page_path(ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        series, m = ref.params["series"], calendar.month_start(ref.params["month"])
        text = render_program(series, programs[series], m) if series in PROGRAMS else render(model, series, m)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main() -> None:
    folder = read_releases(RELEASES_TOML).publishers["trac"].sample
    written = build(SAMPLE_RELEASES_DIR / folder)
    print(f"wrote {len(written)} sample TRAC pages under {SAMPLE_RELEASES_DIR / folder}")


if __name__ == "__main__":
    main()
