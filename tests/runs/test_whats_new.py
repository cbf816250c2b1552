"""A withdrawal or a restore since the last publish makes the next refresh due, whatever the order of
events (review finding 4): the checks must run again with or without the release and the result be
published, or `crowdout status` keeps showing the failed run and advising the withdrawal just made. Once
the refresh has published it, the withdrawal is no longer news. Built on the real CBP state file of the
bundled sample (42,532 rows), which the sample's CBP page offers too."""

from __future__ import annotations

import re

import pytest

from orchestration import cli
from orchestration.connectors.catalog import FAMILIES
from orchestration.runs.refresh import whats_new
from orchestration.warehouse.publish import publish
from tests.faults.test_bad_releases import FAMILY, STATE, _first_rows

WITHDRAWAL = "1 withdrawal(s) not yet published"
RESTORE = "1 loaded release(s) not yet published"


@pytest.fixture
def published(settings, capsys):
    """The real state file loaded and published; its release id."""
    assert cli.main(["ingest", FAMILY, str(STATE)]) == 0
    rid = re.search(r"release_id\s+(\S+)", capsys.readouterr().out).group(1)
    publish(settings.build_warehouse, settings.warehouse)
    return rid


def _due(settings) -> list[str]:
    """Why a refresh is due, leaving out the sample's other families, which this test never loads."""
    reasons, failed = whats_new(settings)
    assert failed == []
    others = tuple(f"{name}:" for name in FAMILIES if name != FAMILY)
    return [r for r in reasons if not r.startswith(others)]


def _release(*args) -> None:
    assert cli.main(["release", *args]) == 0


def test_withdrawing_a_release_that_failed_its_checks_makes_the_refresh_due_once(settings, published, tmp_path,
                                                                                 capsys):
    """The review's case: a partial file loaded by hand fails its checks and is never published; after
    its withdrawal the build equals the published file in what is loaded, yet the refresh is due."""
    assert cli.main(["ingest", FAMILY, str(_first_rows(tmp_path, "short-state.csv", 20_000))]) == 0
    bad = re.search(r"release_id\s+(\S+)", capsys.readouterr().out).group(1)
    assert _due(settings) == [RESTORE]  # loaded, not published: the run whose checks fail
    _release("withdraw", bad, "--reason", "partial file")
    assert _due(settings) == [WITHDRAWAL]
    publish(settings.build_warehouse, settings.warehouse)  # what the due refresh publishes
    assert _due(settings) == []  # the next refresh: nothing new
    _release("restore", bad)
    assert _due(settings) == [RESTORE]


def test_withdrawing_a_published_release_is_due_until_published_and_is_not_new_again(settings, published):
    """The publisher still offers the withdrawn bytes: they are not new (the ingest would keep them out)."""
    _release("withdraw", published, "--reason", "wrong file uploaded")
    assert _due(settings) == [WITHDRAWAL]
    publish(settings.build_warehouse, settings.warehouse, allow_shrink=True)
    assert _due(settings) == []
    _release("restore", published)
    assert _due(settings) == [RESTORE]
    publish(settings.build_warehouse, settings.warehouse)
    assert _due(settings) == []


def test_a_withdrawal_undone_before_any_refresh_changes_nothing(settings, published):
    _release("withdraw", published, "--reason", "a mistake")
    _release("restore", published)
    assert _due(settings) == []
