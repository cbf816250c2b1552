"""Builds the bundled sample's two MODELLED CBP files from the two real files beside them.

No real copy of CBP's Nationwide Encounters by area of responsibility (AOR) or of its Southwest Land
Border Encounters (SBO) file is available here, yet the demo and the dbt models need one in each
real format. These are modelled, not published numbers: real totals split by fixed rules. Every
release built from them is marked modelled (the sample pages carry data-basis="modelled").

Rules, per fiscal month:
- Start from the REAL state file's Southwest Land Border rows (CA, AZ, NM, TX), citizenship collapsed
  to MEXICO and OTHER (to keep the files small).
- The Border Patrol share of the month is the REAL OHSS workbook's Southwest sector total over the
  state file's Southwest total (clipped to 50-98%); the rest is the Office of Field Operations.
- Border Patrol counts go to the state's sectors in proportion to the REAL OHSS sector counts of
  that month (El Paso sector takes all of NM); OFO counts go to the state's field office (TX: El
  Paso 30%, Laredo 70%, an assumption).
- Encounter type follows the title: Title 42 -> Expulsions; Title 8 -> Apprehensions (Border Patrol)
  or Inadmissibles (OFO). Zero rows are left out, as CBP does.
Whole numbers are apportioned by largest remainder, so each modelled file's total per state, month,
demographic and title equals the real state file's. Deterministic: rerunning rewrites identical bytes.

Run from anywhere: python orchestration/samples/build_cbp_samples.py
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from python_calamine import CalamineWorkbook

from orchestration.connectors.calendar import FISCAL_ORDER, abbreviation
from orchestration.samples import MODELLED_MANIFEST, write_modelled_manifest

RELEASES = Path(__file__).resolve().parent / "releases"
CBP_FILES = RELEASES / "www.cbp.gov/sites/default/files/assets/documents/2023-Nov"
STATE_CSV = CBP_FILES / "nationwide-encounters-fy20-fy23-state.csv"
AOR_CSV = CBP_FILES / "nationwide-encounters-fy20-fy23-aor.csv"
SBO_CSV = CBP_FILES / "sbo-encounters-fy20-fy23.csv"
OHSS_XLSX = RELEASES / "ohss.dhs.gov/sites/default/files/2024-12/KHSM Encounters (USBP) fy25m11.xlsx"

AOR_HEADER = [
    "Fiscal Year", "Month Grouping", "Month (abbv)", "Component", "Land Border Region",
    "Area of Responsibility", "AOR (Abbv)", "Demographic", "Citizenship", "Title of Authority",
    "Encounter Type", "Encounter Count",
]
SBO_HEADER = [
    "Fiscal Year", "Month Grouping", "Month (abbv)", "Component", "Demographic",
    "Citizenship Grouping", "Title of Authority", "Encounter Type", "Encounter Count",
]
USBP, OFO = "U.S. Border Patrol", "Office of Field Operations"
CITIZENSHIPS = ("MEXICO",)
# State -> Border Patrol sectors (as named in the OHSS workbook), and -> OFO field offices with weights.
SECTORS = {
    "CA": ("San Diego, CA", "El Centro, CA"),
    "AZ": ("Tucson, AZ", "Yuma, AZ"),
    "NM": ("El Paso, TX",),
    "TX": ("El Paso, TX", "Big Bend, TX", "Del Rio, TX", "Laredo, TX", "Rio Grande Valley, TX"),
}
FIELD_OFFICES = {"CA": {"San Diego": 1}, "AZ": {"Tucson": 1}, "NM": {"El Paso": 1}, "TX": {"El Paso": 3, "Laredo": 7}}
MONTHS = tuple(abbreviation(m).upper() for m in FISCAL_ORDER)  # CBP's MONTH_ABBV, in fiscal order


def apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split a whole number in proportion to weights, exactly (largest remainder, ties by name)."""
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        weights, weight_sum = {k: 1.0 for k in weights}, float(len(weights))
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    shares = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(weights, key=lambda k: (-(exact[k] - shares[k]), k))
    for k in by_remainder[: total - sum(shares.values())]:
        shares[k] += 1
    return shares


def read_state_cells() -> dict[tuple, int]:
    """(fy, month, state, demographic, citizenship, title) -> real count, Southwest border only."""
    cells: dict[tuple, int] = defaultdict(int)
    with STATE_CSV.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["Land Border Region"] != "Southwest Land Border":
                continue
            cit = row["Citizenship"] if row["Citizenship"] in CITIZENSHIPS else "OTHER"
            key = (row["Fiscal Year"], row["Month (abbv)"], row["State"], row["Demographic"], cit,
                   row["Title of Authority"])
            cells[key] += int(row["Encounter Count"])
    return cells


def read_ohss_sectors() -> dict[tuple[str, str], dict[str, float]]:
    """(fy, month abbreviation) -> Border Patrol sector -> real (rounded) encounters."""
    rows = CalamineWorkbook.from_path(str(OHSS_XLSX)).get_sheet_by_name("Monthly Sector").to_python()
    sectors: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for fy, month, sector, quantity in rows[1:]:
        sectors[(str(int(fy)), month.split()[1][:3].upper())][sector] = quantity
    return sectors


def model_aor_rows() -> list[list]:
    cells = read_state_cells()
    ohss = read_ohss_sectors()
    state_totals: dict[tuple[str, str], int] = defaultdict(int)
    for (fy, month, *_), n in cells.items():
        state_totals[(fy, month)] += n
    usbp_share = {}
    for fy_month, total in state_totals.items():
        southwest = {s for names in SECTORS.values() for s in names}
        usbp = sum(q for s, q in ohss[fy_month].items() if s in southwest)
        usbp_share[fy_month] = min(0.98, max(0.5, usbp / total))
    counts: dict[tuple, int] = defaultdict(int)
    for (fy, month, state, demographic, cit, title), n in cells.items():
        ofo = round(n * (1 - usbp_share[(fy, month)]))
        sector_weights = {s: ohss[(fy, month)].get(s, 0.0) for s in SECTORS[state]}
        parts = [(USBP, s.split(",")[0], k) for s, k in apportion(n - ofo, sector_weights).items()]
        parts += [(OFO, office, k) for office, k in apportion(ofo, FIELD_OFFICES[state]).items()]
        for component, aor, k in parts:
            kind = "Expulsions" if title == "Title 42" else "Apprehensions" if component == USBP else "Inadmissibles"
            counts[(fy, month, component, aor, demographic, cit, title, kind)] += k
    rows = []
    for (fy, month, component, aor, demographic, cit, title, kind), k in counts.items():
        if k:
            suffix = "Sector" if component == USBP else "Field Office"
            rows.append([fy, "FYTD", month, component, "Southwest Land Border", f"{aor} {suffix}", aor,
                         demographic, cit, title, kind, k])
    rows.sort(key=lambda r: (r[0], MONTHS.index(r[2]), r[3], r[5], r[7], r[8], r[9]))
    return rows


def sbo_rows(aor_rows: list[list]) -> list[list]:
    """The SBO file is the AOR file without geography: sum over areas of responsibility."""
    totals: dict[tuple, int] = defaultdict(int)
    for fy, grouping, month, component, _region, _aor, _abbv, demographic, cit, title, kind, k in aor_rows:
        totals[(fy, grouping, month, component, demographic, cit, title, kind)] += k
    rows = [[*key, k] for key, k in totals.items()]
    rows.sort(key=lambda r: (r[0], MONTHS.index(r[2]), r[3], r[4], r[5], r[6]))
    return rows


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """CRLF line endings and minimal quoting, as in CBP's real exports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    aor = model_aor_rows()
    AOR_CSV.write_bytes(csv_bytes(AOR_HEADER, aor))
    SBO_CSV.write_bytes(csv_bytes(SBO_HEADER, sbo_rows(aor)))
    write_modelled_manifest([AOR_CSV, SBO_CSV])
    print(f"wrote {AOR_CSV.name} ({len(aor)} rows), {SBO_CSV.name} and {MODELLED_MANIFEST.name}")


if __name__ == "__main__":
    main()
