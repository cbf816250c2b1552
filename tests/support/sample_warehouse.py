"""A small hand-made warehouse with the marts' shape, so the analyst commands are tested in seconds and
without dbt: the numbers follow the 2018 pattern (an immigration surge from April, non-immigration
prosecutions falling) and some district-months are modelled, as in the bundled sample releases: their
prosecutions are (TRAC sample pages), their apprehensions are not (a real OHSS workbook)."""

from __future__ import annotations

import hashlib
import math
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

BORDER = {"AZ": "Arizona", "CAS": "California, Southern", "NM": "New Mexico",
          "TXS": "Texas, Southern", "TXW": "Texas, Western"}
IMMIGRATION_BASE = {"AZ": 2000, "CAS": 1200, "NM": 700, "TXS": 2200, "TXW": 900}
NON_IMMIGRATION_BASE = {"AZ": 300, "CAS": 210, "NM": 120, "TXS": 260, "TXW": 160}
APPREHENSIONS_BASE = {"AZ": 7000, "CAS": 4000, "NM": 2500, "TXS": 18000, "TXW": 5000}
SURGE = {date(2018, 4, 1): 0.4, date(2018, 5, 1): 0.8, date(2018, 6, 1): 1.0, date(2018, 7, 1): 1.0,
         date(2018, 8, 1): 0.8, date(2018, 9, 1): 0.5, date(2018, 10, 1): 0.2}
BASELINE = date(2018, 3, 1)
POLICY = (date(2018, 4, 1), date(2019, 3, 1))  # the mart's default missing window (dbt vars policy_start/end)
MODELLED_FROM = {"NM": date(2018, 7, 1), "TXW": date(2018, 7, 1)}
RELEASE = "trac-bulletin:0123456789abcdef"
LOADED_AT = "2026-01-05 06:00:00+00"
SAMPLE_URL = "file:///checkout/orchestration/samples/releases/"  # where a checkout's sample releases live
OHSS_RELEASE = "ohss-usbp:fedcba9876543210"
FIGURES_RELEASE = "trac-published-figures:00112233445566ff"


def months(start: date = date(2016, 10, 1), count: int = 30) -> list[date]:
    return [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
            for i in range(count)]


def _district_rows() -> pd.DataFrame:
    rows = []
    for i, m in enumerate(months()):
        bump = SURGE.get(m, 0.0)
        wobble = 1 + 0.04 * math.sin(i * 1.3)
        for d in BORDER:
            imm = round(IMMIGRATION_BASE[d] * (1 + 0.8 * bump) * wobble)
            non = round(NON_IMMIGRATION_BASE[d] * (1 - 0.35 * bump) * (2 - wobble))
            rows.append({
                "geography": d, "month": m, "immigration_prosecutions": imm,
                "non_immigration_prosecutions": non, "total_prosecutions": imm + non,
                "cbp_referred_prosecutions": round(0.95 * imm + 0.05 * non),
                "bp_apprehensions": round(APPREHENSIONS_BASE[d] * (1 - 0.1 * bump) * wobble, -1),
                "districts_covered": 1,
                "is_modelled": d in MODELLED_FROM and m >= MODELLED_FROM[d],
                "prosecutions_is_modelled": d in MODELLED_FROM and m >= MODELLED_FROM[d],
                "bp_apprehensions_is_modelled": False,
                "bp_apprehensions_is_allocated": d != "TXS",
            })
    return pd.DataFrame(rows)


def _aggregate(df: pd.DataFrame, name: str) -> pd.DataFrame:
    agg = df.groupby("month", as_index=False).agg(
        immigration_prosecutions=("immigration_prosecutions", "sum"),
        non_immigration_prosecutions=("non_immigration_prosecutions", "sum"),
        total_prosecutions=("total_prosecutions", "sum"),
        cbp_referred_prosecutions=("cbp_referred_prosecutions", "sum"),
        bp_apprehensions=("bp_apprehensions", "sum"),
        districts_covered=("districts_covered", "sum"),
        is_modelled=("is_modelled", "any"),
        prosecutions_is_modelled=("prosecutions_is_modelled", "any"),
        bp_apprehensions_is_modelled=("bp_apprehensions_is_modelled", "any"),
        bp_apprehensions_is_allocated=("bp_apprehensions_is_allocated", "any"),
    )
    agg["geography"] = name
    return agg


def _non_border() -> pd.DataFrame:
    ms = months()
    df = pd.DataFrame({"month": ms, "geography": "NON_BORDER"})
    df["immigration_prosecutions"] = [400 + (i % 3) * 10 for i in range(len(ms))]
    df["non_immigration_prosecutions"] = [5000 - 40 * math.cos(i) for i in range(len(ms))]
    df["non_immigration_prosecutions"] = df["non_immigration_prosecutions"].round().astype(int)
    df["total_prosecutions"] = df["immigration_prosecutions"] + df["non_immigration_prosecutions"]
    df["cbp_referred_prosecutions"] = 120
    df["bp_apprehensions"] = None
    df["districts_covered"] = 89
    df["is_modelled"] = False
    df["prosecutions_is_modelled"] = False
    df["bp_apprehensions_is_modelled"] = False
    df["bp_apprehensions_is_allocated"] = False
    return df


def _trend(g: pd.DataFrame) -> pd.Series:
    """Least squares of non-immigration prosecutions on months-from-baseline plus month-of-year dummies over
    the 24 months before the baseline (the sample has 17 of them), evaluated at every month."""
    t = pd.Series([(m.year - BASELINE.year) * 12 + m.month - BASELINE.month for m in g["month"]], index=g.index)
    dummies = pd.get_dummies(pd.Series([m.month for m in g["month"]], index=g.index)).astype(float)
    design = pd.concat([t.astype(float).rename("t"), dummies], axis=1)
    fit = (t < 0) & (t >= -24)
    coef, *_ = np.linalg.lstsq(design[fit].to_numpy(), g.loc[fit, "non_immigration_prosecutions"].to_numpy(float),
                               rcond=None)
    return pd.Series(design.to_numpy() @ coef, index=g.index)


def _metrics(df: pd.DataFrame) -> pd.DataFrame:
    """The displacement metrics, per geography, as metrics.md defines them."""
    out = []
    for _, g in df.sort_values("month").groupby("geography"):
        g = g.copy().reset_index(drop=True)
        base = g[g["month"] == BASELINE].iloc[0]
        pre = g[(g["month"] < BASELINE) & (g["month"] >= date(2017, 3, 1))]
        expected = pre["non_immigration_prosecutions"].mean()
        g["non_immigration_share"] = g["non_immigration_prosecutions"] / g["total_prosecutions"]
        for col, short in [("immigration_prosecutions", "immigration"),
                           ("non_immigration_prosecutions", "non_immigration"),
                           ("cbp_referred_prosecutions", "cbp_referred"),
                           ("bp_apprehensions", "bp_apprehensions")]:
            g[f"pct_change_vs_baseline_{short}"] = g[col].astype(float) / float(base[col] or math.nan) - 1
        for col, short in [("immigration_prosecutions", "immigration"),
                           ("non_immigration_prosecutions", "non_immigration")]:
            g[f"yoy_pct_change_{short}"] = g[col] / g[col].shift(12) - 1
            g[f"ma6_{short}"] = g[col].rolling(6).mean()
        g["ma6_yoy_pct_change_immigration"] = g["ma6_immigration"] / g["ma6_immigration"].shift(12) - 1
        d_imm = g["immigration_prosecutions"] - base["immigration_prosecutions"]
        d_non = g["non_immigration_prosecutions"] - base["non_immigration_prosecutions"]
        g["displacement_ratio"] = (-d_non / d_imm).where(d_imm > 0)
        g["expected_non_immigration"] = expected
        g["expected_non_immigration_year_ago"] = g["non_immigration_prosecutions"].shift(12)
        g["expected_non_immigration_trend"] = _trend(g)
        in_window = g["month"].between(*POLICY)
        for cf in ("", "_year_ago", "_trend"):
            missing = (g[f"expected_non_immigration{cf}"] - g["non_immigration_prosecutions"]).where(in_window)
            g[f"missing_non_immigration{cf}"] = missing
            g[f"cumulative_missing_non_immigration{cf}"] = missing.cumsum().where(in_window)
        g["prosecutions_per_apprehension"] = g["cbp_referred_prosecutions"] / g["bp_apprehensions"].astype(float)
        out.append(g)
    res = pd.concat(out, ignore_index=True)
    sw = res[res["geography"] == "SW_BORDER"].set_index("month")["pct_change_vs_baseline_non_immigration"]
    nb = res[res["geography"] == "NON_BORDER"].set_index("month")["pct_change_vs_baseline_non_immigration"]
    gap = (sw - nb).rename("border_vs_rest_gap")
    res = res.merge(gap, left_on="month", right_index=True, how="left")
    res.loc[res["geography"] != "SW_BORDER", "border_vs_rest_gap"] = None
    res["geography_type"] = ["district" if g in BORDER else "aggregate" for g in res["geography"]]
    res["release_ids"] = [[RELEASE, OHSS_RELEASE]] * len(res)
    res["baseline_month"] = BASELINE
    res["policy_start"], res["policy_end"] = POLICY
    return res


def displacement_frame() -> pd.DataFrame:
    districts = _district_rows()
    sw = _aggregate(districts, "SW_BORDER")
    nb = _non_border()
    us = _aggregate(pd.concat([sw, nb]), "US")
    us["bp_apprehensions"] = None
    return _provisional(_bases(_metrics(pd.concat([districts, sw, nb, us], ignore_index=True))))


PROVISIONAL_MONTHS = 3  # the dbt var's default


def _provisional(df: pd.DataFrame) -> pd.DataFrame:
    """is_provisional: the last PROVISIONAL_MONTHS months of each geography's series, as the mart marks them."""
    last = df.groupby("geography")["month"].transform("max")
    df["is_provisional"] = [m > (pd.Timestamp(t) - pd.DateOffset(months=PROVISIONAL_MONTHS)).date()
                            for m, t in zip(df["month"], last)]
    return df


def _bases(df: pd.DataFrame) -> pd.DataFrame:
    """Each count's basis: a district's TRAC figures published unless modelled, aggregates' derived; SW_BORDER's
    March and June non-immigration counts are TRAC's published figures; apprehensions are sums of sectors."""
    district = df["geography"].isin(list(BORDER))
    prosecutions = df["prosecutions_is_modelled"].map({True: "modelled", False: "published"})
    prosecutions = prosecutions.where(district | (prosecutions == "modelled"), "derived")
    for column in ("immigration", "non_immigration", "total", "cbp_referred"):
        df[f"{column}_prosecutions_basis"] = prosecutions
    published = (df["geography"] == "SW_BORDER") & df["month"].isin([BASELINE, date(2018, 6, 1)])
    df.loc[published, "non_immigration_prosecutions_basis"] = "published"
    df["bp_apprehensions_basis"] = df["bp_apprehensions_is_modelled"].map({True: "modelled", False: "derived"})
    df.loc[df["bp_apprehensions"].isna(), "bp_apprehensions_basis"] = None
    return df


def _checks(disp: pd.DataFrame) -> pd.DataFrame:
    """marts.fct_published_figure_checks for SW_BORDER's figures TRAC published in 2018 (the months of the
    curated release): non-immigration counts in March and June (loaded as is), CBP-referred counts in January
    and March to June, the non-immigration share in March and June (in percent, as TRAC printed it, beside
    the row's own share in percent: an independent check)."""
    sw = disp[disp["geography"] == "SW_BORDER"].set_index("month")
    # what TRAC printed (orchestration/published/trac_published_figures.csv), by series and month
    printed = {"non_immigration": {3: 1093, 6: 703},
               "cbp_referred": {1: 5191, 3: 6368, 4: 8298, 5: 9216, 6: 11086},
               "non_immigration_share": {3: 14.0, 6: 6.0}}  # percents, as TRAC printed them
    rows = []
    for series, by_month in printed.items():
        for m, published in by_month.items():
            month = date(2018, m, 1)
            share = series == "non_immigration_share"
            rows.append({"published_series": f"{series}_prosecutions" if not share else series, "series": series,
                         "geography": "SW_BORDER", "period_start": month, "period_end": month,
                         "published_value": float(published),
                         "unit": "percent" if share else "defendants",
                         # a count: loaded as is; a share: the row's own, in the published unit (percent)
                         "warehouse_value": 100 * float(sw.loc[month, "non_immigration_share"]) if share
                         else float(published),
                         "warehouse_basis": "modelled" if share else "published",
                         "agreement": "independent" if share else "by_construction",
                         "independent_value": None if share else published + 12.0,
                         "independent_basis": None if share else "derived"})
    checks = pd.DataFrame(rows)
    checks.insert(0, "source_row", range(2, 2 + len(checks)))
    return checks


def _charges() -> pd.DataFrame:
    rows = []
    for m in months():
        bump = SURGE.get(m, 0.0)
        for rank, (statute, desc, base) in enumerate(
                [("8 USC 1325", "Improper entry by alien", 1500),
                 ("8 USC 1326", "Reentry of deported alien", 500),
                 ("21 USC 846", "Attempt and conspiracy", 400)], start=1):
            factor = (1 + 0.8 * bump) if statute.startswith("8") else (1 - 0.4 * bump)
            rows.append({"geography_type": "national", "district_code": None, "month": m, "series": "all", "statute": statute,
                         "charge_description": desc, "prosecutions": round(base * factor), "rank": rank,
                         "is_modelled": m >= date(2018, 9, 1), "release_id": RELEASE})
    return pd.DataFrame(rows)


# marts.fct_displacement_by_program, nationally: (level, change at the surge's peak, basis of the pages)
PROGRAMS = {"drugs": (2000, -0.15, "modelled"), "weapons": (700, 0.05, "published"),
            "white_collar": (500, -0.20, "modelled")}


def program_frame() -> pd.DataFrame:
    """The program metrics as the mart computes them: change against the baseline month, missing against
    the mean of the twelve months before it, over the policy window (missing and its running sum)."""
    rows = []
    for program, (level, change, basis) in PROGRAMS.items():
        series = {m: round(level * (1 + change * SURGE.get(m, 0.0)) * (1 + 0.03 * math.sin(i * 0.9)))
                  for i, m in enumerate(months())}
        pre = [series[m] for m in months() if BASELINE > m >= date(BASELINE.year - 1, BASELINE.month, 1)]
        expected, cumulative = sum(pre) / len(pre), 0.0
        derived = "modelled" if basis == "modelled" else "derived"
        for m, n in series.items():
            inside = POLICY[0] <= m <= POLICY[1]
            missing = expected - n if inside else None
            cumulative += missing or 0.0
            rows.append({"geography": "US", "month": m, "program": program, "prosecutions": n, "basis": basis,
                         "baseline_month": BASELINE, "baseline_prosecutions": series[BASELINE],
                         "baseline_prosecutions_basis": basis,
                         "pct_change_vs_baseline": n / series[BASELINE] - 1, "pct_change_vs_baseline_basis": derived,
                         "expected_prosecutions": expected, "expected_prosecutions_basis": derived,
                         "policy_start": POLICY[0], "policy_end": POLICY[1],
                         "missing_prosecutions": missing, "missing_prosecutions_basis": derived if inside else None,
                         "cumulative_missing_prosecutions": cumulative if inside else None,
                         "cumulative_missing_prosecutions_basis": derived if inside else None,
                         "release_ids": [RELEASE]})
    return pd.DataFrame(rows)


def build(path: Path) -> Path:
    """Write the sample warehouse to `path` (replacing it) and return the path."""
    path.unlink(missing_ok=True)
    disp = displacement_frame()
    districts = disp[disp["geography"].isin(list(BORDER))]
    prosecutions = pd.concat([
        districts.assign(series=s, prosecutions=districts[c], basis=districts[f"{c}_basis"])[
            ["geography", "month", "series", "prosecutions", "basis", "is_modelled"]]
        for s, c in [("immigration", "immigration_prosecutions"), ("all", "total_prosecutions"),
                     ("cbp_referred", "cbp_referred_prosecutions")]
    ]).rename(columns={"geography": "district_code"})
    prosecutions["geography_type"] = "district"
    nation = (prosecutions.groupby(["month", "series"], as_index=False)
              .agg(prosecutions=("prosecutions", "sum"), is_modelled=("is_modelled", "max"))
              .assign(district_code="US", geography_type="national", basis="modelled"))
    prosecutions = pd.concat([prosecutions, nation], ignore_index=True)
    prosecutions["release_ids"] = [[RELEASE]] * len(prosecutions)
    prosecutions["source_table"] = "district_ranking"
    prosecutions["missing_reason"] = None
    charges = _charges()
    dim_district = pd.DataFrame({"district_code": list(BORDER), "district_name": list(BORDER.values()),
                                 "is_sw_border": True})
    dim_month = pd.DataFrame({"month": months()})
    checks = _checks(disp)
    releases = pd.DataFrame({
        "release_id": [RELEASE, OHSS_RELEASE, FIGURES_RELEASE],
        "family": ["trac-bulletin", "ohss-usbp", "trac-published-figures"],
        "fetched_at": [pd.Timestamp(LOADED_AT)] * 3, "loaded_at": [pd.Timestamp(LOADED_AT)] * 3,
        "months_covered": [months(), months(), []], "row_count": [len(prosecutions), len(districts), len(checks)],
        "error": pd.Series([None, None, None], dtype="string"),
        "published_at": pd.Series([pd.NaT] * 3, dtype="datetime64[us, UTC]"),
        "release_key": ["immigration/monthlyjun18", "fy25m11", "trac_published_figures.csv"],
        "url": [SAMPLE_URL + "tracreports.org/tracreports/bulletins/immigration/monthlyjun18/fil/",
                SAMPLE_URL + "ohss.dhs.gov/khsm/khsm-encounters-usbp-fy25m11.xlsx",
                "file:///checkout/orchestration/published/trac_published_figures.csv"],
        "is_modelled": [True, False, False], "status": ["loaded", "loaded", "loaded"],
    })
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA meta")
        for name, frame in [("dim_district", dim_district), ("dim_month", dim_month),
                            ("fct_prosecutions_district_month", prosecutions),
                            ("fct_prosecutions_by_charge_district_month", charges),
                            ("fct_displacement_district_month", disp),
                            ("fct_published_figure_checks", checks),
                            ("fct_displacement_by_program", program_frame())]:
            con.register("frame", frame)
            con.execute(f"CREATE TABLE marts.{name} AS SELECT * FROM frame")
            con.unregister("frame")
        con.register("frame", releases)
        con.execute("CREATE TABLE meta.releases AS SELECT * FROM frame")
        con.execute("ALTER TABLE marts.dim_month ALTER month TYPE DATE")
        con.execute("ALTER TABLE meta.releases ALTER months_covered TYPE DATE[]")
        con.execute(f"""CREATE TABLE marts.fct_prosecution_revisions AS
            SELECT series, month::DATE AS month, release_ids[1] AS release_id,
                   NULL::TIMESTAMPTZ AS published_at, TIMESTAMPTZ '{LOADED_AT}' AS fetched_at,
                   1 AS release_sequence, prosecutions::BIGINT AS prosecutions, basis AS prosecutions_basis,
                   NULL::VARCHAR AS previous_release_id, NULL::BIGINT AS previous_prosecutions,
                   NULL::BIGINT AS change_from_previous, NULL::DOUBLE AS pct_change_from_previous,
                   true AS is_latest_release, is_modelled
            FROM marts.fct_prosecutions_district_month WHERE district_code = 'US'""")
        con.execute(f"""CREATE TABLE marts.fct_encounter_revisions AS
            SELECT 'ohss-usbp' AS source, month::DATE AS month, 'U.S. Border Patrol' AS component,
                   'sector' AS geography_type, geography, '{OHSS_RELEASE}' AS release_id,
                   NULL::TIMESTAMPTZ AS published_at, TIMESTAMPTZ '{LOADED_AT}' AS fetched_at,
                   1 AS release_sequence, bp_apprehensions::BIGINT AS encounter_count,
                   NULL::VARCHAR AS previous_release_id, NULL::BIGINT AS previous_encounter_count,
                   NULL::BIGINT AS change_from_previous, NULL::DOUBLE AS pct_change_from_previous,
                   true AS is_latest_release, false AS is_modelled
            FROM marts.fct_displacement_district_month WHERE geography_type = 'district'""")
    finally:
        con.close()
    return path


def new_edition(path: Path, key: str, fetched_at: str, changes: dict[tuple[str, date], int]) -> str:
    """Load a restated national TRAC page into the warehouse at `path` as a refresh would leave it: a new
    row in meta.releases and, per (series, month) in `changes`, a revision row with the new figure (old +
    the change) beside the previous release's. Returns the new release's id."""
    release_id = "trac-bulletin:" + hashlib.sha256(f"{key} {fetched_at}".encode()).hexdigest()[:16]
    con = duckdb.connect(str(path))
    try:
        con.execute(
            """INSERT INTO meta.releases (release_id, family, release_key, url, is_modelled, status, fetched_at,
                                          loaded_at, months_covered, row_count)
               VALUES (?, 'trac-bulletin', ?, ?, true, 'loaded', ?, ?, ?, ?)""",
            [release_id, key, SAMPLE_URL + "tracreports.org/tracreports/bulletins/" + key, fetched_at, fetched_at,
             sorted({m for _, m in changes}), len(changes)])
        for (series, month), delta in changes.items():
            con.execute(
                """INSERT INTO marts.fct_prosecution_revisions
                   SELECT series, month, $new, NULL, $at, release_sequence + 1, prosecutions + $delta,
                          prosecutions_basis, release_id, prosecutions, $delta, $delta / prosecutions, true,
                          is_modelled
                   FROM marts.fct_prosecution_revisions
                   WHERE series = $series AND month = $month AND is_latest_release""",
                {"new": release_id, "at": fetched_at, "delta": delta, "series": series, "month": month})
            con.execute(
                """UPDATE marts.fct_prosecution_revisions SET is_latest_release = false
                   WHERE series = $series AND month = $month AND release_id <> $new""",
                {"new": release_id, "series": series, "month": month})
    finally:
        con.close()
    return release_id
