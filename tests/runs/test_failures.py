"""An unreachable publisher is one line per family and cause, with example URLs, wherever failures are
listed (the refresh's summary, crowdout status); the messages below are the real ones a refresh --live
without DNS recorded."""

from __future__ import annotations

from orchestration import cli
from orchestration.runs import failures
from orchestration.warehouse import ingest, registry

PAGE = "https://tracreports.org/tracreports/bulletins/{series}/monthly{month}/fil/"
MONTHS = [f"{m}{y}" for y in ("16", "17", "18") for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                                          "sep", "oct", "nov", "dec")]


def _dns(url: str, retried: bool) -> str:
    note = "" if retried else " (earlier in this run; not tried again)"
    return f"DNS lookup failed for tracreports.org: [Errno -2] Name or service not known{note}"


def test_the_same_cause_on_every_page_is_one_group_with_examples():
    urls = [PAGE.format(series=s, month=m) for s in ("immigration", "overall") for m in MONTHS]
    found = failures.group([("trac-bulletin", f"trac-bulletin x ({u}): {_dns(u, i == 0)}") for i, u in enumerate(urls)]
                           + [("cbp-sbo", "cbp-sbo page https://www.cbp.gov/x: DNS lookup failed for www.cbp.gov: "
                                          "[Errno -2] Name or service not known")])
    trac, cbp = found
    assert (trac.family, trac.count, trac.cause) == ("trac-bulletin", 72, "DNS lookup of tracreports.org failed")
    assert trac.examples == urls[:failures.EXAMPLES]
    assert trac.line() == (f"trac-bulletin: 72 releases failed: DNS lookup of tracreports.org failed "
                           f"(e.g. {', '.join(urls[:3])})")
    assert (cbp.count, cbp.cause, cbp.examples) == (1, "DNS lookup of www.cbp.gov failed", ["https://www.cbp.gov/x"])
    assert cbp.line().startswith("cbp-sbo page https://www.cbp.gov/x: DNS lookup")  # alone: as reported


def test_different_causes_stay_apart_and_an_unknown_cause_keeps_its_words():
    found = failures.group([
        ("trac-bulletin", "trac-bulletin a (https://x/a): HTTP 404 Not Found"),
        ("trac-bulletin", "trac-bulletin b (https://x/b): HTTP 404 Not Found"),
        ("trac-bulletin", "trac-bulletin c (https://x/c): no districts table (header lacks rank)"),
    ])
    assert [(g.cause, g.count) for g in found] == [("HTTP 404 Not Found", 2),
                                                    ("no districts table (header lacks rank)", 1)]


def test_a_steps_release_list_is_grouped():
    urls = [PAGE.format(series="immigration", month=m) for m in MONTHS]
    step = ("ingest_trac_bulletin: dagster._core.definitions.events.Failure: 36 trac-bulletin release(s) failed "
            "to load; landed files are kept, the other releases are loaded:\n"
            + "\n".join(f"- trac-bulletin immigration/{m} ({u}): {_dns(u, i == 0)}"
                        for i, (m, u) in enumerate(zip(MONTHS, urls))))
    heading, line = failures.error(step)
    assert heading.endswith("36 trac-bulletin release(s) failed to load; landed files are kept, the other "
                            "releases are loaded:")
    assert line.startswith("  trac-bulletin: 36 releases failed: DNS lookup of tracreports.org failed (e.g. ")
    assert failures.error("ingest_cbp_sbo: Failure: cbp-sbo page https://x: boom") == [
        "ingest_cbp_sbo: Failure: cbp-sbo page https://x: boom"]


def test_status_lists_a_failed_publisher_once_per_cause(settings, capsys):
    """144 pages that could not be fetched (as meta.fetch_attempts records them) are one line in
    `crowdout status`, and the count of failures is still all of them."""
    con = ingest.connect_build(settings)
    try:
        for series in ("immigration", "overall", "jdea", "hsaa"):
            for m in MONTHS:
                url = PAGE.format(series=series, month=m)
                registry.record_attempt(con, family="trac-bulletin", release_key=f"{series}/{m}", url=url,
                                        outcome="failed", error=_dns(url, True))
    finally:
        con.close()
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "144 failed releases (nothing published yet)" in out
    grouped = [line for line in out.splitlines() if line.startswith("  failed")]  # one line, wrapped by the tool
    assert len(grouped) == 1, grouped
    assert " ".join(out.split()).count("failed trac-bulletin: 144 releases failed: DNS lookup of tracreports.org "
                                       "failed") == 1


def test_an_unreachable_publisher_is_one_line_naming_the_families_it_serves():
    """Issue 20, review finding 5: without DNS, www.cbp.gov was reported three times, once per CBP family."""
    cbp = ("publisher www.cbp.gov unreachable (DNS lookup failed for www.cbp.gov: [Errno -3] Temporary failure in "
           "name resolution); no release was tried after it.")
    errors = [f"cbp-nationwide-aor page https://www.cbp.gov/document/stats/nationwide-encounters: {cbp}",
              f"cbp-nationwide-state page https://www.cbp.gov/document/stats/nationwide-encounters: {cbp}",
              f"cbp-sbo page https://www.cbp.gov/document/stats/southwest-land-border-encounters: {cbp}",
              "trac-bulletin: publisher tracreports.org unreachable (DNS lookup failed for tracreports.org)",
              "ohss-usbp x (https://ohss.dhs.gov/a.xlsx): could not observe: HTTP 500"]
    assert failures.per_publisher(errors) == [
        f"cbp-nationwide-aor, cbp-nationwide-state, cbp-sbo: {cbp}",
        "trac-bulletin: publisher tracreports.org unreachable (DNS lookup failed for tracreports.org)",
        "ohss-usbp x (https://ohss.dhs.gov/a.xlsx): could not observe: HTTP 500"]
    proxy = "proxy http://127.0.0.1:9 unreachable (connection refused by 127.0.0.1:9); no publisher was asked"
    assert failures.per_publisher([f"cbp-sbo page https://www.cbp.gov/x: {proxy}", f"trac-bulletin: {proxy}",
                                   f"eousa-ncd index https://www.justice.gov/y: {proxy}"]) == [
        f"cbp-sbo, trac-bulletin, eousa-ncd: {proxy}"]
    # a run's steps, each failing on the same proxy, are one line too (the first refresh, with no warehouse)
    assert failures.per_publisher([f"ingest_cbp_sbo: cbp-sbo page https://www.cbp.gov/x: {proxy}",
                                   f"ingest_trac_bulletin: trac-bulletin: {proxy}"]) == [
        f"ingest_cbp_sbo, ingest_trac_bulletin: {proxy}"]
