"""Every release family crowdout knows, by name (the names `crowdout ingest` and releases.toml use)."""

from __future__ import annotations

from orchestration.connectors import cbp, eousa, ohss, published_figures, trac
from orchestration.connectors.release import Family

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        trac.BULLETIN, published_figures.PUBLISHED_FIGURES, cbp.NATIONWIDE_AOR, cbp.NATIONWIDE_STATE, cbp.SBO,
        ohss.USBP, eousa.EOUSA_NCD,
    )
}


def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown release family {name!r}; known: {', '.join(FAMILIES)}") from None
