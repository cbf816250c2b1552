"""The report's charts, one function each, drawn with matplotlib's Agg backend (no display, no network).

Modelled figures must never pass for published ones: every line segment that touches a modelled month is
dashed with hollow markers and the legend keys that style as modelled, modelled bars are hatched, and a chart
with any modelled value says so in its footer, so a PNG shown on its own still tells the truth. Each series
is judged by its own measure's flag (`basis.modelled`), so real apprehensions beside modelled prosecutions
are drawn solid. A PNG travels without the report, so each one carries its own source line (publishers and
release dates), the last month of its data and the basis of its figures, drawn under the chart and kept
in the file's metadata; its footnote explains only the marks it actually draws. The last months of each
series are provisional (the publishers revise them; the LIONS dashboards shade their last three): a chart
that draws any hatches their span grey and says so in its footnote and its metadata (`Provisional`).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

from orchestration.analysis import basis  # noqa: E402
from orchestration.analysis.counterfactuals import COUNTERFACTUALS, window_sum  # noqa: E402
from orchestration.analysis.published import Marks  # noqa: E402

BORDER_DISTRICTS = {"CAS": "S.D. California", "AZ": "D. Arizona", "NM": "D. New Mexico",
                    "TXW": "W.D. Texas", "TXS": "S.D. Texas"}
COLORS = {"CAS": "#1f77b4", "AZ": "#d62728", "NM": "#2ca02c", "TXW": "#9467bd", "TXS": "#ff7f0e",
          "SW_BORDER": "#111111", "NON_BORDER": "#7f7f7f", "US": "#8c564b"}
ZERO_TOLERANCE = (dt.date(2018, 4, 6), dt.date(2018, 6, 20))
PUBLISHED_STYLE = dict(marker="D", color="black", markersize=7, linestyle="none", zorder=5)
COUNT = FuncFormatter(lambda v, _: f"{v:,.0f}")
WHOLE_PERCENTS = dict(nbins=6, steps=[1, 2, 5, 10])  # a locator per axis: one must not be shared


@dataclass
class Chart:
    slug: str
    title: str
    alt: str
    caption: str
    figure: Figure
    modelled: bool
    data: pd.DataFrame  # what the chart draws, one row per month and series: the CSV beside the PNG
    families: tuple[str, ...]  # release families its warehouse figures come from (its source line)
    notes: str = ""  # the footnote: what the chart's marks mean (only those it draws)
    published: tuple[str, ...] = ()  # publishers whose figures it draws as marks (they join its source line)
    provisional: tuple[dt.date, dt.date] | None = None  # the provisional months it hatches, first and last
    metadata: dict[str, str] = field(default_factory=dict)  # PNG text chunks, set by `stamp`


@dataclass(frozen=True)
class Provenance:
    """Where a report's figures come from, for the line every chart carries."""

    sources: dict[str, str]  # family -> "publisher, what and when" (e.g. "TRAC monthly bulletins ...")
    published_marks: dict[str, str]  # publisher -> where its figures drawn as marks come from
    last_month: dt.date | None


def source_line(chart: Chart, provenance: Provenance) -> str:
    sources = [provenance.sources[f] for f in chart.families if f in provenance.sources]
    sources += [provenance.published_marks[p] for p in chart.published if p in provenance.published_marks]
    through = f"{provenance.last_month:%b %Y}" if provenance.last_month else "no months"
    if chart.data.empty:
        basis_text = "no figures to draw"
    elif chart.modelled:
        basis_text = "includes modelled figures (the bundled sample), drawn as the key says"
    else:
        basis_text = "publishers' figures"
    return f"Source: {'; '.join(sources) or 'none'}. Data through {through}. Basis: {basis_text}."


def stamp(chart: Chart, provenance: Provenance) -> None:
    """Draw the footnote and the source line under the chart, and keep the source line in the PNG's
    metadata (tEXt chunks `savefig` writes)."""
    line = source_line(chart, provenance)
    fig = chart.figure
    y = 0.1  # inches from the bottom edge
    for text, size, color in ((line, 8, "#333333"),
                              (chart.notes, 9, "#b03a2e" if "modelled" in chart.notes else "#444444")):
        wrapped = textwrap.fill(text, FOOTER_CHARS * 9 // size)
        fig.text(0.01, y / fig.get_figheight(), wrapped, fontsize=size, color=color, ha="left", va="bottom")
        y += (wrapped.count("\n") + 1) * size * 1.35 / 72 + 0.06
    fig.tight_layout(rect=(0, y / fig.get_figheight(), 1, 0.96))
    chart.metadata = {"Title": chart.title, "Source": line, "Description": chart.alt,
                      "Comment": chart.notes, "Software": "crowdout (matplotlib)"}
    if chart.provisional:
        chart.metadata["Provisional"] = f"{chart.provisional[0]:%Y-%m} to {chart.provisional[1]:%Y-%m}"


def _axes(nrows: int = 1, height: float = 4.8) -> tuple[Figure, list]:
    fig, axes = plt.subplots(nrows, 1, figsize=(11, height * nrows), sharex=True, squeeze=False)
    return fig, list(axes[:, 0])


def _month_axis(ax, baseline: dt.date | None) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.axvspan(*ZERO_TOLERANCE, color="#f2d7d5", alpha=0.6, lw=0, zorder=0, label="_zero tolerance")
    if baseline is not None:
        ax.axvline(baseline, color="#555555", lw=1, ls=":")
    ax.grid(axis="y", color="#dddddd", lw=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def _finish(fig: Figure, title: str, baseline: dt.date | None, marks: list[str]) -> str:
    """Set the title; return the footnote, naming only the marks this chart draws (`marks`: sentences the
    chart added for its own modelled series or published figures). `stamp` draws it with the source line."""
    fig.suptitle(title, fontsize=14, fontweight="bold", x=0.01, ha="left")
    notes = ["Shaded: \u201czero tolerance\u201d (6 Apr \u2013 20 Jun 2018)."]
    if baseline is not None:
        notes.append(f"Dotted: baseline month {baseline:%b %Y}.")
    return " ".join(notes + marks)


FOOTER_CHARS = 150  # characters per footer line on an 11-inch figure at 9 points


def _marks(modelled: bool, published: tuple[str, ...],
           provisional: tuple[dt.date, dt.date] | None = None) -> list[str]:
    """The footnote sentences for a line chart's own marks (`published`: the publishers of the marks drawn)."""
    marks = [MODELLED_LINES] if modelled else []
    if published:
        marks.append(f"Black diamonds: figures as published ({'; '.join(PUBLISHERS[p] for p in published)}).")
    return marks + ([provisional_note(provisional)] if provisional else [])


MODELLED_LINES = "Dashed lines and hollow markers: modelled figures, not a publisher's numbers."
MODELLED_BARS = "Hatched bars: modelled figures, not a publisher's numbers."
PUBLISHERS = {"TRAC": "TRAC", "CBP": "CBP's exact monthly apprehensions"}  # a mark's publisher, in a footnote


PROVISIONAL_STYLE = dict(facecolor="#f6f6f6", edgecolor="#bdbdbd", hatch="\\\\", lw=0, zorder=0, gid="provisional")


NOT_PROVISIONAL = {"bp_apprehensions"}  # OHSS's monthly series: is_provisional does not speak of it


def provisional_note(span: tuple[dt.date, dt.date]) -> str:
    return (f"Grey hatched span: provisional months ({span[0]:%b %Y} to {span[1]:%b %Y}), the latest of their "
            "series, which the publishers revise.")


def provisional_span(ax, rows: pd.DataFrame, column: str) -> tuple[dt.date, dt.date] | None:
    """Hatch the provisional months among `rows` that have a `column` figure (what the axes draw), from half
    a month before the first to half a month after the last; returns their first and last month.
    The mart's flag is about prosecution counts (TRAC's and EOUSA's latest months), so a panel of
    apprehensions alone is never hatched."""
    if "is_provisional" not in rows or column in NOT_PROVISIONAL:
        return None
    flagged = rows[rows["is_provisional"].fillna(False).astype(bool) & rows[column].notna()]
    if flagged.empty:
        return None
    first, last = min(flagged["month"]), max(flagged["month"])
    ax.axvspan(pd.Timestamp(first) - pd.Timedelta(days=15), pd.Timestamp(last) + pd.Timedelta(days=15),
               **PROVISIONAL_STYLE)
    ax.annotate("provisional", (pd.Timestamp(last) + pd.Timedelta(days=15), 1), xycoords=("data", "axes fraction"),
                xytext=(-2, -2), textcoords="offset points", ha="right", va="top", fontsize=7, color="#666666")
    return first, last


def _union(spans) -> tuple[dt.date, dt.date] | None:
    spans = [s for s in spans if s]
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def plot_series(ax, months, values, modelled, label: str, color: str, lw: float = 1.8) -> bool:
    """Solid where both ends of a segment are reported, dashed where either is modelled; returns whether any
    modelled point was drawn (the caller marks the chart). The legend names only what is drawn: one entry
    for the series (none if it has no value), and one key for the modelled style on an axis that draws it."""
    x = pd.to_datetime(pd.Series(list(months))).to_numpy()
    y = pd.to_numeric(pd.Series(list(values)), errors="coerce").to_numpy(dtype=float)
    drawn = np.isfinite(y)
    m = pd.Series(list(modelled)).fillna(False).astype(bool).to_numpy() & drawn  # a NULL draws nothing
    seg_drawn = drawn[1:] & drawn[:-1]
    seg_modelled = m[1:] | m[:-1]
    for dashed, style in ((False, "-"), (True, "--")):
        xs, ys = [], []
        for i in np.flatnonzero(seg_drawn & (seg_modelled == dashed)):
            xs += [x[i], x[i + 1], np.datetime64("NaT")]
            ys += [y[i], y[i + 1], np.nan]
        if xs:
            ax.plot(xs, ys, style, color=color, lw=lw, label="_")
    ax.plot(x[~m & drawn], y[~m & drawn], "o", color=color, markersize=3, label="_")
    if m.any():
        ax.plot(x[m], y[m], "o", markerfacecolor="white", markeredgecolor=color, markersize=5, label="_")
        if MODELLED_KEY not in [line.get_label() for line in ax.get_lines()]:
            ax.plot([], [], "--", color="#555555", lw=lw, marker="o", markerfacecolor="white", markersize=5,
                    label=MODELLED_KEY)
    if drawn.any():
        ax.plot([], [], "-", color=color, lw=lw, label=label)
    return bool(m.any())


MODELLED_KEY = "modelled (dashed, hollow markers)"


def _geo(disp: pd.DataFrame, geography: str) -> pd.DataFrame:
    return disp[disp["geography"] == geography].sort_values("month")


def baseline_month(disp: pd.DataFrame) -> dt.date | None:
    if "baseline_month" not in disp or disp["baseline_month"].dropna().empty:
        return None
    return disp["baseline_month"].dropna().iloc[0]


def _published(ax, marks: Marks | None, months, label: str) -> tuple[str, ...]:
    """Draw every published figure inside the months drawn; returns its publisher if any was drawn."""
    shown = [(d, v) for d, v in (marks.points if marks else ()) if len(months) and min(months) <= d <= max(months)]
    if shown:
        ax.plot([pd.Timestamp(d) for d, _ in shown], [v for _, v in shown], label=label, **PUBLISHED_STYLE)
    return (marks.publisher,) if shown else ()


def _series_data(g: pd.DataFrame, columns: list[str], geography: str | None = None) -> pd.DataFrame:
    """The chart's CSV rows: month, geography, each drawn column and whether it is modelled."""
    out = pd.DataFrame({"month": list(g["month"]), "geography": geography or list(g["geography"])})
    for column in columns:
        out[column] = list(g[column])
        out[f"{column}_is_modelled"] = list(basis.modelled(g, column))
    if "is_provisional" in g:
        out["is_provisional"] = list(g["is_provisional"])
    return out


TRAC = ("trac-bulletin",)


def border_districts(disp: pd.DataFrame) -> Chart:
    baseline = baseline_month(disp)
    fig, (top, bottom) = _axes(2, 4.2)
    modelled = False
    frames = []
    for code, name in BORDER_DISTRICTS.items():
        g = _geo(disp, code)
        for ax, column in ((top, "immigration_prosecutions"), (bottom, "non_immigration_prosecutions")):
            modelled |= plot_series(ax, g["month"], g[column], basis.modelled(g, column), name, COLORS[code])
        frames.append(_series_data(g, ["immigration_prosecutions", "non_immigration_prosecutions"]))
    top.set_title("Immigration prosecutions", loc="left")
    bottom.set_title("Non-immigration prosecutions (all other federal prosecutions)", loc="left")
    rows = disp[disp["geography"].isin(list(BORDER_DISTRICTS))]
    provisional = _union([provisional_span(top, rows, "immigration_prosecutions"),
                          provisional_span(bottom, rows, "non_immigration_prosecutions")])
    for ax in (top, bottom):
        _month_axis(ax, baseline)
        ax.yaxis.set_major_formatter(COUNT)
        ax.set_ylabel("prosecutions per month")
        ax.set_ylim(bottom=0)
    top.legend(ncol=2, fontsize=8, loc="upper left", frameon=False)
    title = "Immigration and non-immigration prosecutions by month, five border districts"
    notes = _finish(fig, title, baseline, _marks(modelled, (), provisional))
    return Chart("border-districts", title,
                 "Two panels of monthly prosecutions for the five southwest border districts: immigration "
                 "above, non-immigration below.",
                 "Immigration prosecutions rose in every border district in spring 2018; the lower panel shows "
                 "what happened to all other federal prosecutions in the same districts.", fig, modelled,
                 pd.concat(frames, ignore_index=True), TRAC, notes, provisional=provisional)


def non_immigration_share(disp: pd.DataFrame, published: Marks | None) -> Chart:
    """Two panels, each on its own scale: the border's share runs from about 17% down to 6%, the rest of
    the country's stays above 90%, and one axis from 0 to 95% squashes the border's fall into a sliver."""
    baseline = baseline_month(disp)
    fig, (border, rest) = _axes(2, 3.6)
    modelled, drew_published = False, ()
    frames, spans = [], []
    for ax, geo, label in ((border, "SW_BORDER", "5 SW border districts"), (rest, "NON_BORDER", "rest of the country")):
        g = _geo(disp, geo)
        modelled |= plot_series(ax, g["month"], g["non_immigration_share"],
                                basis.modelled(g, "non_immigration_share"), label, COLORS[geo])
        frames.append(_series_data(g, ["non_immigration_share"], geo))
        spans.append(provisional_span(ax, g, "non_immigration_share"))
        if geo == "SW_BORDER":
            drew_published = _published(ax, published, list(g["month"]), "TRAC published (5 SW districts)")
        _month_axis(ax, baseline)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_locator(MaxNLocator(**WHOLE_PERCENTS))  # a 2.5% step would print 92.5% as "92%"
        ax.legend(fontsize=9, frameon=False, loc="lower left")
    border.set_ylim(bottom=0)
    border.set_title("5 southwest border districts (axis from 0)", loc="left")
    rest.set_title("Rest of the country (own scale: the axis does not start at 0)", loc="left")
    fig.supylabel("non-immigration share of all prosecutions", fontsize=10)
    title = "Non-immigration share of all federal prosecutions"
    provisional = _union(spans)
    notes = _finish(fig, title, baseline, _marks(modelled, drew_published, provisional))
    return Chart("non-immigration-share", title,
                 "Two line charts of the non-immigration share of prosecutions, each on its own scale: the "
                 "border districts above (with TRAC's published 14% and 6%), the rest of the country below.",
                 "TRAC: one in seven prosecutions in the border districts was for something other than "
                 "immigration in March 2018, one in seventeen in June. The rest of the country is drawn on its "
                 "own scale below, so the border's fall is not flattened by the other districts' 90%-plus.",
                 fig, modelled, pd.concat(frames, ignore_index=True), TRAC, notes, drew_published, provisional)


SPREAD_BAND = ("Grey band: the five districts' total against each of the three counterfactuals (pre-baseline "
               "mean, same month a year earlier, pre-period trend with seasonality), lowest to highest.")


def _spread_band(ax, disp: pd.DataFrame) -> bool:
    """Shade SW_BORDER's cumulative missing prosecutions between the lowest and highest counterfactual, over
    the months all three have a figure; returns whether it drew any."""
    columns = [cf.cumulative for cf in COUNTERFACTUALS]
    if not set(columns) <= set(disp.columns):
        return False
    g = _geo(disp, "SW_BORDER").dropna(subset=columns)
    if g.empty:
        return False
    ax.fill_between(pd.to_datetime(g["month"]), g[columns].min(axis=1).astype(float),
                    g[columns].max(axis=1).astype(float), color="#888888", alpha=0.25, lw=0,
                    label="5 SW border districts, range of the three counterfactuals")
    return True


def cumulative_missing(disp: pd.DataFrame) -> Chart:
    baseline = baseline_month(disp)
    fig, (ax,) = _axes()
    modelled = False
    frames, marks, drawn = [], [], []
    for code, name in [*BORDER_DISTRICTS.items(), ("SW_BORDER", "5 SW border districts")]:
        g = _geo(disp, code).dropna(subset=["cumulative_missing_non_immigration"])
        if g.empty:
            continue
        modelled |= plot_series(ax, g["month"], g["cumulative_missing_non_immigration"],
                                basis.modelled(g, "cumulative_missing_non_immigration"), name, COLORS[code],
                                lw=3 if code == "SW_BORDER" else 1.6)
        banded = code == "SW_BORDER" and _spread_band(ax, disp)
        if banded:
            marks.append(SPREAD_BAND)
        frames.append(_series_data(g, [cf.cumulative for cf in COUNTERFACTUALS] if banded
                                   else ["cumulative_missing_non_immigration"], code))
        drawn.append(g)
        last = g.iloc[-1]
        if code == "SW_BORDER":
            ax.annotate(f"{last['cumulative_missing_non_immigration']:,.0f}",
                        (pd.Timestamp(last["month"]), last["cumulative_missing_non_immigration"]),
                        xytext=(6, 0), textcoords="offset points", va="center", fontweight="bold")
    _month_axis(ax, baseline)
    ax.axhline(0, color="#999999", lw=0.8)
    ax.yaxis.set_major_formatter(COUNT)
    ax.set_ylabel("missing prosecutions, summed")
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=2)
    title = "Cumulative missing non-immigration prosecutions over the policy window"
    provisional = (provisional_span(ax, pd.concat(drawn), "cumulative_missing_non_immigration") if drawn
                   else None)
    notes = _finish(fig, title, baseline, _marks(modelled, (), provisional) + marks)
    return Chart("cumulative-missing", title,
                 "Running total of non-immigration prosecutions below the pre-baseline expectation, per "
                 "border district and for the five together.",
                 "Each month's shortfall is the expected non-immigration count (the mean of the twelve months "
                 "before the baseline) minus the actual count; the lines add the shortfalls up over the policy "
                 "window only, so each ends at the window's total, the figure `crowdout metrics` gives. The "
                 "grey band spans the five districts' total against the three counterfactuals, compared in "
                 "the table above.",
                 fig, modelled, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), TRAC, notes,
                 provisional=provisional)


def cbp_vs_apprehensions(disp: pd.DataFrame, published: dict[str, Marks]) -> Chart:
    """Three stacked panels rather than one shared axis: apprehensions run to six figures and would flatten
    the prosecutions line."""
    baseline = baseline_month(disp)
    fig, axes = _axes(3, 3.2)
    g = _geo(disp, "SW_BORDER")
    modelled, drew_published = False, ()
    spans = []
    columns = ["cbp_referred_prosecutions", "bp_apprehensions", "prosecutions_per_apprehension"]
    for ax, column, label, color in zip(axes, columns, (
            "CBP-referred prosecutions", "Border Patrol apprehensions (OHSS, rounded to 10)",
            "CBP-referred prosecutions per apprehension"), ("#c0392b", "#2471a3", "#6c3483")):
        modelled |= plot_series(ax, g["month"], g[column], basis.modelled(g, column), label, color)
        spans.append(provisional_span(ax, g, column))
        if column in published:
            drew_published += _published(ax, published[column], list(g["month"]),
                                         f"published ({PUBLISHERS[published[column].publisher]})")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0) if column.startswith("prosecutions_per")
                                     else COUNT)
        ax.set_ylim(bottom=0)
        ax.set_title(label, loc="left")
        ax.legend(fontsize=8, frameon=False, loc="best")
        _month_axis(ax, baseline)
    title = "CBP-referred prosecutions against Border Patrol apprehensions, SW border"
    provisional = _union(spans)
    notes = _finish(fig, title, baseline, _marks(modelled, drew_published, provisional))
    return Chart("cbp-vs-apprehensions", title,
                 "Three panels for the southwest border by month: CBP-referred prosecutions, Border Patrol "
                 "apprehensions, and prosecutions per apprehension, with every published monthly figure as a "
                 "black diamond.",
                 "TRAC: from March to June 2018 CBP-referred prosecutions rose 74% while apprehensions fell "
                 "slightly, so a larger share of the people apprehended were prosecuted. The warehouse's "
                 "apprehensions come from the OHSS series, rounded to 10 and allocated from sectors to districts.",
                 fig, modelled, _series_data(g, columns, "SW_BORDER"), ("trac-bulletin", "ohss-usbp"),
                 notes, drew_published, provisional)


def drug_846_national(charges: pd.DataFrame, baseline: dt.date | None) -> Chart:
    fig, (ax,) = _axes()
    title = "Drug conspiracy prosecutions (21 USC 846), nationwide"
    modelled = bool(charges["is_modelled"].fillna(False).any()) if not charges.empty else False
    if charges.empty:
        ax.text(0.5, 0.5, "No 21 USC 846 lead-charge rows in this warehouse", ha="center",
                va="center", transform=ax.transAxes, fontsize=12)
        ax.set_axis_off()
    else:
        series = sorted(charges["series"].unique())
        width = 25 / len(series)
        for k, s in enumerate(series):
            g = charges[charges["series"] == s].sort_values("month")
            x = pd.to_datetime(g["month"]) + pd.to_timedelta((k - (len(series) - 1) / 2) * width, unit="D")
            m = g["is_modelled"].fillna(False).astype(bool).to_numpy()
            color = plt.cm.tab10(k)
            label = f"lead charge in TRAC's '{s}' series"
            # one legend entry per series, the solid bars' or else the hatched ones'; the hatch has its key
            if (~m).any():
                ax.bar(x[~m], g["prosecutions"][~m], width=width, color=color, label=label)
            if m.any():
                ax.bar(x[m], g["prosecutions"][m], width=width, facecolor="white", edgecolor=color,
                       hatch="///", label="_" if (~m).any() else label)
        if modelled:
            ax.bar([], [], facecolor="white", edgecolor="#555555", hatch="///", label="modelled (hatched)")
        _month_axis(ax, baseline)
        ax.yaxis.set_major_formatter(COUNT)
        ax.set_ylabel("prosecutions per month")
        ax.set_ylim(0, charges["prosecutions"].max() * 1.3)
        ax.legend(fontsize=9, frameon=False, loc="upper right", ncol=2)
    notes = _finish(fig, title, baseline, [MODELLED_BARS] if modelled else [])
    columns = ["month", "series", "rank", "statute", "prosecutions", "is_modelled"]
    data = charges.reindex(columns=columns).sort_values(["month", "series"])  # an empty chart's CSV keeps its header
    return Chart("drug-846-national", title,
                 "Bar chart of monthly prosecutions with 21 USC 846 (attempt and conspiracy, drugs) as lead "
                 "charge in TRAC's national bulletins (TRAC publishes no free district pages).",
                 "Drug conspiracy cases are among those that can be crowded out when prosecutors and courts "
                 "turn to illegal-entry cases. Counts are for months where 21 USC 846 is among the lead charges "
                 "TRAC lists; a month without a bar means it was not listed, not zero.", fig, modelled, data, TRAC,
                 notes)


# The month the program chart sets against the baseline: June 2018, the zero-tolerance peak TRAC's 1,093 ->
# 703 compares with March; the second panel covers the whole policy window.
PROGRAMS_MONTH = dt.date(2018, 6, 1)
PROGRAM_LABELS = {"immigration": "Immigration", "drugs": "Drugs", "weapons": "Weapons",
                  "white_collar": "White collar", "terrorism": "Terrorism", "organized_crime": "Organized crime",
                  "regulatory": "Regulatory", "official_corruption": "Official corruption",
                  "civil_rights": "Civil rights"}


def _program_bars(ax, rows: pd.DataFrame, title: str) -> None:
    """Horizontal bars, one per program (a row's `change`; NaN draws none), solid where the figure rests on
    published ones, hatched where it rests on a modelled one, each labelled with its value and basis; a
    black diamond where both figures it is computed from are ones TRAC printed."""
    for i, r in enumerate(rows.itertuples()):
        if pd.isna(r.change):
            continue
        color = "#2471a3" if r.change >= 0 else "#c0392b"
        if r.modelled:
            ax.barh(i, r.change, color="white", edgecolor=color, hatch="///", height=0.6)
        else:
            ax.barh(i, r.change, color=color, height=0.6)
        if r.published:
            ax.plot([r.change], [i], **PUBLISHED_STYLE)
        ax.annotate(f"{r.change:+.1%}{' (modelled)' if r.modelled else ''}", (r.change, i),
                    xytext=(6 if r.change >= 0 else -6, 0), textcoords="offset points", va="center",
                    ha="left" if r.change >= 0 else "right", fontsize=9)
    ax.set_yticks(range(len(rows)), [PROGRAM_LABELS.get(p, p) for p in rows["program"]])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # the first program on top
    ax.axvline(0, color="#555555", lw=0.8)
    span = max(0.05, float(rows["change"].abs().max()) * 1.6) if rows["change"].notna().any() else 0.05
    ax.set_xlim(-span, span)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", color="#dddddd", lw=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, loc="left", fontsize=11)


def program_changes(programs: pd.DataFrame, geography: str = "US") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per program of `geography`: the change from the baseline month to PROGRAMS_MONTH, and over the policy
    window against the pre-baseline mean (missing over expected, as `crowdout metrics --by program` sums
    them), each with whether it is modelled and whether it rests on TRAC's printed figures only; both in
    the same program order, the program that fell furthest by PROGRAMS_MONTH first."""
    g = programs[programs["geography"] == geography]
    peak = g[(g["month"] == PROGRAMS_MONTH) & g["pct_change_vs_baseline"].notna()]
    peak = pd.DataFrame({
        "program": peak["program"], "change": peak["pct_change_vs_baseline"],
        "modelled": peak["pct_change_vs_baseline_basis"] != "derived",
        "published": (peak["basis"] == "published") & (peak["baseline_prosecutions_basis"] == "published"),
    })
    window = []
    for program, rows in g.groupby("program", sort=True):
        records = rows.to_dict("records")
        missing = window_sum(records, "missing_prosecutions")
        expected = window_sum(records, "expected_prosecutions")
        if missing is not None and expected:
            window.append({"program": program, "change": -missing / expected,
                           "modelled": bool((rows["missing_prosecutions_basis"] == "modelled").any()),
                           "published": False})
    window = pd.DataFrame(window, columns=["program", "change", "modelled", "published"])
    order = list(peak.sort_values(["change", "program"])["program"])
    order += sorted(set(window["program"]) - set(order))
    return (peak.set_index("program").reindex(order).reset_index(),
            window.set_index("program").reindex(order).reset_index())


def programs_fell(programs: pd.DataFrame, geography: str = "US") -> Chart:
    """Which prosecutions fell: the programs side by side, the peak month against the baseline and the
    policy window against the pre-baseline mean (marts.fct_displacement_by_program)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    g = programs[programs["geography"] == geography]
    peak, window = program_changes(programs, geography)
    title = f"Which prosecutions fell: programs side by side, {geography}"
    if peak.empty:
        for ax in axes:
            ax.set_axis_off()
        axes[0].text(0.5, 0.5, f"No program figures for {geography} in this warehouse", ha="center",
                     va="center", transform=axes[0].transAxes, fontsize=12)
        baseline = first = last = None
    else:
        baseline, first, last = (g[c].iloc[0] for c in ("baseline_month", "policy_start", "policy_end"))
        _program_bars(axes[0], peak, f"{PROGRAMS_MONTH:%B %Y} against {baseline:%B %Y}")
        _program_bars(axes[1], window, f"{first:%b %Y} \u2013 {last:%b %Y} against the pre-baseline mean")
    modelled = bool(peak["modelled"].fillna(False).any() or window["modelled"].fillna(False).any())
    drew_published = bool(peak["published"].fillna(False).any())
    marks = ["Hatched bars, labelled (modelled): modelled figures, not a publisher's numbers."] if modelled else []
    if drew_published:
        marks.append("Black diamonds: a change between two figures as TRAC printed them.")
    fig.suptitle(title, fontsize=14, fontweight="bold", x=0.01, ha="left")
    measures = (f"change {baseline:%Y-%m} to {PROGRAMS_MONTH:%Y-%m}" if baseline else "change",
                f"{first:%Y-%m} to {last:%Y-%m} against the pre-baseline mean" if first else "policy window")
    data = pd.concat([peak.assign(measure=measures[0]), window.assign(measure=measures[1])], ignore_index=True)
    data = data.dropna(subset=["change"]).reindex(columns=["measure", "program", "change", "modelled", "published"])
    return Chart("programs-fell", title,
                 f"Two bar charts, one bar per program ({geography}): the change in prosecutions from the "
                 "baseline month to June 2018, and prosecutions over the policy window against the mean of "
                 "the months before the baseline.",
                 "The seed story is that immigration cases crowded out everything else; here is everything "
                 "else program by program, from TRAC's program bulletins (national). Left: June 2018, the "
                 "zero-tolerance peak, against the baseline month. Right: the policy window's prosecutions "
                 "against what the pre-baseline mean expected (the missing prosecutions of `crowdout metrics "
                 "--by program`, over the expected).",
                 fig, modelled, data, ("trac-bulletin", "trac-published-figures"), " ".join(marks),
                 ("TRAC",) if drew_published else ())
