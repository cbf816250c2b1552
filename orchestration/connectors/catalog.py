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


class UnknownFamily(ValueError):
    """A family name no release family has (a typo on the command line): its message is the whole error,
    one line without quotes (a KeyError would print its message quoted)."""


def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise UnknownFamily(f"unknown release family {name}; known: {', '.join(FAMILIES)}") from None
