"""Write crowdout's sample TRAC bulletin pages: TRAC's layout, TRAC's published figures where they exist,
modelled figures everywhere else, each modelled cell marked `data-basis="modelled"`.

No TRAC page can be fetched from the machines that build and test crowdout, and TRAC never published the
district-by-month series the warehouse needs, so the demo and the tests read pages built here. The model
is chosen so that the pages reproduce what TRAC did publish (the national figures, the Texas districts in
late 2018, the five-district sums quoted in TRAC's 2018 releases) and so that the warehouse's metrics
behave as they would on real data. See PROVENANCE.md, section "TRAC bulletin pages", for the rules.

Deterministic: no randomness, so `python -m orchestration.samples.build_trac_samples` rewrites identical
bytes.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from orchestration.config import RELEASES_TOML, SAMPLE_RELEASES_DIR
from orchestration.sources import trac

FIRST_MODEL_MONTH = date(2011, 1, 1)  # five years plus a moving average before the first page
FIRST_PAGE_MONTH = date(2016, 10, 1)
LAST_MONTH = date(2019, 9, 1)
OLD_LAYOUT_UNTIL = date(2016, 12, 1)  # these pages use the older Table 1 layout
BORDER = ("AZ", "CAS", "NM", "TXS", "TXW")
US = trac.NATIONAL_CODE

# TRAC's district names, with approximate 2018 populations in millions (for the per-capita column).
DISTRICTS = {
    "AZ": ("Arizona", 7.17),
    "CAS": ("California, South (San Diego)", 3.35),
    "NM": ("New Mexico", 2.10),
    "TXS": ("Texas, South (Houston)", 9.60),
    "TXW": ("Texas, West (San Antonio)", 7.30),
}
# The largest districts away from the border, with their fixed share of the non-border remainder.
NON_BORDER_DISTRICTS = {
    "California, Central (Los Angeles)": (Fraction("0.060"), 19.40),
    "Florida, South (Miami)": (Fraction("0.055"), 6.90),
    "Puerto Rico": (Fraction("0.050"), 3.20),
    "Texas, North (Dallas)": (Fraction("0.045"), 7.90),
    "Washington, West (Seattle)": (Fraction("0.040"), 5.20),
}

# --- what TRAC published (trac_published_figures.csv) -----------------------------------------------
# Table 1 figures, printed unmarked. Columns not listed here are modelled.
PUBLISHED = {
    ("immigration", US, date(2018, 2, 1)): (5670, -4.9, 14.1, -31.3, -10.3),
    ("immigration", US, date(2018, 3, 1)): (7020, 23.9, 21.3, -30.0, -6.7),
    ("immigration", US, date(2018, 6, 1)): (12348, 22.2, 79.9, -1.4, 1.4),
    ("overall", US, date(2018, 12, 1)): (13569, -17.8),
    ("immigration", "TXS", date(2018, 11, 1)): (5338,),
    ("immigration", "TXS", date(2018, 12, 1)): (4200,),
    ("immigration", "TXW", date(2018, 11, 1)): (1880,),
    ("immigration", "TXW", date(2018, 12, 1)): (1245,),
}
# Five-district sums TRAC quoted; each district's share of them is modelled.
BORDER_SUMS = {
    ("non_immigration", date(2018, 3, 1)): 1093,
    ("non_immigration", date(2018, 6, 1)): 703,
    ("jcbp", date(2018, 1, 1)): 5191,
    ("jcbp", date(2018, 3, 1)): 6368,
    ("jcbp", date(2018, 4, 1)): 8298,
    ("jcbp", date(2018, 5, 1)): 9216,
    ("jcbp", date(2018, 6, 1)): 11086,
}
# TRAC report 547: immigration was 69% of November and 65% of December 2018 prosecutions.
IMMIGRATION_SHARE_OF_OVERALL = {date(2018, 11, 1): Fraction("0.69"), date(2018, 12, 1): Fraction("0.65")}

# --- the model ---------------------------------------------------------------------------------------
# National immigration and five-district non-immigration prosecutions, October 2016 - September 2019.
# None = taken from, or back-calculated from, a published figure.
US_IMMIGRATION = [
    5600, 5300, 4700, 4700, 4050, 5050, 4450, 4800, 4900, 4850, 5200, 5300,      # FY2017
    5600, 5900, 5500, None, None, None, 9200, None, None, 11900, 10900, 9800,    # FY2018
    10700, None, None, 7900, 8500, 9300, 9400, 9600, 9200, 9000, 8700, 8100,     # FY2019
]
BORDER_NON_IMMIGRATION = [
    1210, 1150, 1100, 1130, 1120, 1240, 1170, 1190, 1160, 1120, 1200, 1140,
    1170, 1120, 1080, 1100, 1060, None, 960, 820, None, 760, 880, 960,
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
IMMIGRATION_SEASON = (0.93, 0.92, 1.08, 1.03, 1.06, 1.02, 1.02, 1.04, 0.90, 1.00, 0.98, 0.92)
NON_IMMIGRATION_SEASON = (0.96, 0.95, 1.06, 1.01, 1.02, 0.99, 0.97, 1.04, 0.98, 1.01, 0.97, 0.94)

BORDER_SHARE_OF_IMMIGRATION = Fraction("0.93")
# Share of each district's immigration and non-immigration prosecutions that CBP referred.
CBP_SHARE_BORDER = (Fraction("0.93"), Fraction("0.20"))
CBP_SHARE_REST = (Fraction("0.25"), Fraction("0.03"))
IMMIGRATION_WEIGHTS = {"AZ": Fraction("0.20"), "CAS": Fraction("0.07"), "NM": Fraction("0.09"),
                       "TXS": Fraction("0.50"), "TXW": Fraction("0.14")}
NON_IMMIGRATION_WEIGHTS = {"AZ": Fraction("0.30"), "CAS": Fraction("0.15"), "NM": Fraction("0.09"),
                           "TXS": Fraction("0.27"), "TXW": Fraction("0.19")}
# Magistrate-court share of immigration cases (petty illegal entry), which zero tolerance pushed up.
# Tuned so that the modelled 5-year changes come within 2 points of TRAC's published ones.
MAGISTRATE_SHARE = [(date(2011, 1, 1), 0.42), (date(2013, 12, 1), 0.42), (date(2017, 12, 1), 0.25),
                    (date(2018, 3, 1), 0.25), (date(2018, 4, 1), 0.40), (date(2018, 5, 1), 0.48),
                    (date(2018, 6, 1), 0.54), (date(2018, 7, 1), 0.50), (date(2018, 8, 1), 0.44),
                    (date(2018, 9, 1), 0.40)]
MAGISTRATE_SHARE_NON_IMMIGRATION = 0.05
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
    weight_sum = sum(weights.values())
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


class Model:
    """Counts for every series, geography and month, 2011 to 2019, satisfying the published figures."""

    def __init__(self):
        self.months = trac.month_range(FIRST_MODEL_MONTH, LAST_MONTH)
        self.parts: dict[tuple[str, str, date], Parts] = {}
        us_imm, border_non, us_overall = self._national()
        for m in self.months:
            self._month(m, us_imm[m], border_non[m], us_overall.get(m))

    def _national(self):
        explicit = dict(zip(trac.month_range(FIRST_PAGE_MONTH, LAST_MONTH), US_IMMIGRATION))
        us_imm = {m: explicit[m] if m in explicit else seasonal(US_IMMIGRATION_LEVEL, IMMIGRATION_SEASON, m)
                  for m in self.months}
        explicit_non = dict(zip(trac.month_range(FIRST_PAGE_MONTH, LAST_MONTH), BORDER_NON_IMMIGRATION))
        border_non = {
            m: explicit_non[m] if m in explicit_non
            else seasonal(BORDER_NON_IMMIGRATION_LEVEL, NON_IMMIGRATION_SEASON, m)
            for m in self.months
        }
        for (kind, m), value in BORDER_SUMS.items():
            if kind == "non_immigration":
                border_non[m] = value
        us_overall = {}
        for (series, geo, m), figures in PUBLISHED.items():
            if geo != US:
                continue
            target = us_imm if series == "immigration" else us_overall
            target[m] = figures[0]
            previous = trac.add_months(m, -1)
            if len(figures) > 1 and (series, geo, previous) not in PUBLISHED:
                target[previous] = round(Fraction(figures[0]) / (1 + Fraction(str(figures[1])) / 100))
        for m, share in IMMIGRATION_SHARE_OF_OVERALL.items():
            us_imm[m] = round(share * us_overall[m])
        missing = [m for m, v in us_imm.items() if v is None] + [m for m, v in border_non.items() if v is None]
        assert not missing, f"no model value for {missing}"
        return us_imm, border_non, us_overall

    def _month(self, m: date, us_imm: int, border_non: int, us_overall: int | None) -> None:
        border_imm = round(BORDER_SHARE_OF_IMMIGRATION * us_imm)
        pinned = {d: PUBLISHED[("immigration", d, m)][0] for d in BORDER if ("immigration", d, m) in PUBLISHED}
        imm = dict(pinned)
        imm.update(largest_remainder(border_imm - sum(pinned.values()),
                                     {d: w for d, w in IMMIGRATION_WEIGHTS.items() if d not in pinned}))
        non = largest_remainder(border_non, NON_IMMIGRATION_WEIGHTS)
        if us_overall is None:
            rest_non = seasonal(REST_NON_IMMIGRATION_LEVEL, NON_IMMIGRATION_SEASON, m)
        else:
            rest_non = us_overall - us_imm - border_non

        a, b = CBP_SHARE_BORDER
        cbp_weights = {d: a * imm[d] + b * non[d] for d in BORDER}
        cbp_total = BORDER_SUMS.get(("jcbp", m), round(sum(cbp_weights.values())))
        cbp = largest_remainder(cbp_total, cbp_weights)
        for d in BORDER:
            self.parts["immigration", d, m] = Parts(imm[d], 0)
            self.parts["overall", d, m] = Parts(imm[d], non[d])
            split = largest_remainder(cbp[d], {"immigration": a * imm[d], "other": b * non[d]})
            self.parts["jcbp", d, m] = Parts(split["immigration"], split["other"])

        rest_imm = us_imm - border_imm
        a_rest, b_rest = CBP_SHARE_REST
        self.parts["immigration", US, m] = Parts(us_imm, 0)
        self.parts["overall", US, m] = Parts(us_imm, border_non + rest_non)
        self.parts["jcbp", US, m] = Parts(
            sum(self.parts["jcbp", d, m].immigration for d in BORDER) + round(a_rest * rest_imm),
            sum(self.parts["jcbp", d, m].other for d in BORDER) + round(b_rest * rest_non),
        )

    def count(self, series: str, geo: str, m: date) -> int:
        return self.parts[series, geo, m].total

    def excluding_magistrate(self, series: str, geo: str, m: date) -> float:
        p = self.parts[series, geo, m]
        magistrate = interpolate(MAGISTRATE_SHARE, m)
        return p.immigration * (1 - magistrate) + p.other * (1 - MAGISTRATE_SHARE_NON_IMMIGRATION)

    def table1(self, series: str, geo: str, m: date) -> list[tuple[float | int, bool]]:
        """The five Table 1 figures, each with whether it is modelled (not one TRAC published)."""
        def count(month: date) -> int:
            return self.count(series, geo, month)

        def excl(month: date) -> float:
            return self.excluding_magistrate(series, geo, month)

        modelled = [
            count(m),
            _change(count(m), count(trac.add_months(m, -1))),
            _change(_ma6(count, m), _ma6(count, trac.add_months(m, -12))),
            _change(_ma6(count, m), _ma6(count, trac.add_months(m, -60))),
            _change(_ma6(excl, m), _ma6(excl, trac.add_months(m, -60))),
        ]
        published = PUBLISHED.get((series, geo, m), ())
        assert not published or published[0] == count(m), f"model misses the published {series} {geo} {m}"
        return [(published[i], False) if i < len(published) else (v, True) for i, v in enumerate(modelled)]

    def lead_charges(self, series: str, geo: str, m: date) -> list[tuple[str, str, int]]:
        """Top ten (statute as TRAC prints it, description, count), most prosecutions first."""
        p = self.parts[series, geo, m]
        entry_share = Fraction(str(interpolate(ILLEGAL_ENTRY_SHARE, m)))
        imm_weights = {c[:3]: c[3] * (1 - entry_share) for c in IMMIGRATION_CHARGES}
        imm_weights["other immigration"] = (1 - entry_share) - sum(imm_weights.values())
        imm_weights[ILLEGAL_ENTRY] = entry_share
        non_weights = {c[:3]: c[3] for c in NON_IMMIGRATION_CHARGES}
        non_weights["other"] = 1 - sum(non_weights.values())
        counts = {**largest_remainder(p.immigration, imm_weights), **largest_remainder(p.other, non_weights)}
        charges = [(charge, n) for charge, n in counts.items() if n and isinstance(charge, tuple)]  # not "other"
        rows = [(f"{title} USC {section}", description, n) for (title, section, description), n in charges]
        return sorted(rows, key=lambda r: (-r[2], r[0]))[:10]

    def district_ranking(self, series: str, m: date) -> list[tuple[str, int, float]]:
        """The five border districts and the five largest others: (TRAC name, count, per million people)."""
        rest = self.count(series, US, m) - sum(self.count(series, d, m) for d in BORDER)
        weights = {name: share for name, (share, _) in NON_BORDER_DISTRICTS.items()}
        weights["others"] = 1 - sum(weights.values())
        others = largest_remainder(rest, weights)
        rows = [(DISTRICTS[d][0], self.count(series, d, m), DISTRICTS[d][1]) for d in BORDER]
        rows += [(name, others[name], pop) for name, (_, pop) in NON_BORDER_DISTRICTS.items()]
        return sorted(((name, n, round(n / pop, 1)) for name, n, pop in rows), key=lambda r: (-r[1], r[0]))


def _ma6(series, m: date) -> float:
    return sum(series(trac.add_months(m, -i)) for i in range(6)) / 6


def _change(now: float, then: float) -> float:
    return round((now / then - 1) * 100, 1)


# --- the pages ---------------------------------------------------------------------------------------

TABLE1_CAPTION = {
    "immigration": "Criminal Immigration Prosecutions",
    "overall": "Criminal Prosecutions",
    "jcbp": "Criminal Prosecutions Referred by Customs and Border Protection",
}
KIND = {"immigration": "immigration", "overall": "federal", "jcbp": "CBP-referred federal"}
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


def _title(series: str, m: date) -> str:
    prefix = "Immigration Prosecutions" if series == "immigration" else "Prosecutions"
    return f"{prefix} for {m:%B %Y}"


def _figure(text: str, modelled: bool) -> str:
    return f'<td data-basis="modelled">{text}</td>' if modelled else f"<td>{text}</td>"


def _format(value: float | int) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.1f}".replace("-0.0", "0.0")


def _table1_html(series: str, m: date, figures) -> list[str]:
    labels = list(trac.TABLE1_LABELS.values())
    cells = [_figure(_format(v), modelled) for v, modelled in figures]
    if m <= OLD_LAYOUT_UNTIL:  # older bulletins: a caption paragraph, numbers first, labels below
        return [
            f'<p class="table-title"><b>Table 1.</b> {TABLE1_CAPTION[series]}</p>',
            '<table class="table1" border="1">',
            "<tr>" + "".join(cells) + "</tr>",
            "<tr>" + "".join(f"<td>{html.escape(label)}</td>" for label in labels) + "</tr>",
            "</table>",
        ]
    return [
        '<table class="table1" border="1">',
        f"<caption>Table 1: {TABLE1_CAPTION[series]}</caption>",
        f'<tr><th scope="col"></th><th scope="col">{m:%B %Y}</th></tr>',
        *(f'<tr><th scope="row">{html.escape(label)}</th>{cell}</tr>' for label, cell in zip(labels, cells)),
        "</table>",
    ]


def _lead_charges_html(rows) -> list[str]:
    return [
        '<table class="lead-charges" border="1">',
        "<caption>Table 2: Top Lead Charges</caption>",
        "<tr><th>Rank</th><th>Lead Charge</th><th>US Code Title/Section</th><th>Prosecutions</th></tr>",
        *(
            f"<tr><td>{rank}</td><td>{html.escape(description)}</td><td>{statute}</td>{_figure(f'{n:,}', True)}</tr>"
            for rank, (statute, description, n) in enumerate(rows, start=1)
        ),
        "</table>",
    ]


def _districts_html(rows) -> list[str]:
    return [
        '<table class="districts" border="1">',
        "<caption>Table 3: Top Ten Districts</caption>",
        "<tr><th>Rank</th><th>Judicial District</th><th>Prosecutions</th><th>Per Million People</th></tr>",
        *(
            f"<tr><td>{rank}</td><td>{html.escape(name)}</td>{_figure(f'{n:,}', True)}{_figure(f'{rate:.1f}', True)}</tr>"
            for rank, (name, n, rate) in enumerate(rows, start=1)
        ),
        "</table>",
    ]


def render(model: Model, series: str, geo: str, m: date) -> str:
    title = _title(series, m)
    where = "nationwide" if geo == US else f"in the judicial district of {DISTRICTS[geo][0]}"
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        BANNER,
        f"<h1>{title}</h1>",
    ]
    if series == "jcbp":
        lines.append('<p class="agency">Referring Agency: Customs and Border Protection</p>')
    if geo != US:
        lines.append(f"<h2>Judicial District: {html.escape(DISTRICTS[geo][0])}</h2>")
    lines.append(
        f"<p>Table 1 compares the number of new {KIND[series]} prosecutions {where} in {m:%B %Y} with "
        "earlier periods. Comparisons with one and five years ago use six-month moving averages; the "
        "comparison with the previous month uses the monthly counts.</p>"
    )
    lines += _table1_html(series, m, model.table1(series, geo, m))
    if geo == US or series == "overall":
        lines += _lead_charges_html(model.lead_charges(series, geo, m))
    if geo == US:
        lines += _districts_html(model.district_ranking(series, m))
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)


def page_path(ref) -> Path:
    """The file a sample-mode URL points at: the URL's folder, index.html inside it."""
    return Path(url2pathname(urlparse(ref.url).path)) / "index.html"


def build(root: Path) -> list[Path]:
    """Write every sample page under `root` (a publisher folder like samples/releases/trac.syr.edu)."""
    with RELEASES_TOML.open("rb") as fh:
        cfg = tomllib.load(fh)["families"][trac.FAMILY]
    model = Model()
    written = []
    for ref in trac.discover(cfg, root.resolve().as_uri(), None,
                             months=trac.month_range(FIRST_PAGE_MONTH, LAST_MONTH)):
        p = ref.params
        geo = p["district_code"] or US
        path = page_path(ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(model, p["series"], geo, trac.month_start(p["month"])), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main() -> None:
    with RELEASES_TOML.open("rb") as fh:
        folder = tomllib.load(fh)["publishers"]["trac"]["sample"]
    written = build(SAMPLE_RELEASES_DIR / folder)
    print(f"wrote {len(written)} sample TRAC pages under {SAMPLE_RELEASES_DIR / folder}")


if __name__ == "__main__":
    main()
