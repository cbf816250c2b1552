"""How the suite shares out over pytest-xdist's workers (the README's `pytest -q -n auto`). Without `-n`
nothing here changes what runs or in which order.

Most of the suite's time is a few long tests: Dagster's daemon on its one-minute cron (one per run
database, mostly waiting) and the README's session on a fresh clone. Each of those starts first, on a
worker of its own, so none of them is handed out late and runs on alone while the other workers idle.
The other workers share out the rest module by module, so that a module's fixtures (a dbt build, a
Dagster run) are built once, not once per worker; the modules listed in `SPREAD`, whose tests are long
and share nothing, are shared out test by test instead.
"""

from __future__ import annotations

import os

import pytest
from xdist.scheduler import LoadScopeScheduling

# Modules of the longest tests: each test starts first, on a worker of its own.
ALONE = ("tests/deploy/test_daemon.py", "tests/test_readme_in_order.py")
# Modules of long tests with no shared fixture: each test is a unit of its own, handed out before the others.
SPREAD = ("tests/runs/test_refresh.py",)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class CrowdoutScheduling(LoadScopeScheduling):
    """xdist's scheduling by module, with the long tests (`ALONE`, `SPREAD`) one to a unit. xdist queues a
    second unit on every worker (a worker runs its last queued test only once it knows what follows it);
    behind a test of `ALONE` that is the last unit of the queue, a small module, not the next long one,
    which would wait there for minutes."""

    def _split_scope(self, nodeid: str) -> str:
        return nodeid if _module(nodeid) in ALONE + SPREAD else _module(nodeid)

    def _assign_work_unit(self, node) -> None:
        running_alone = any(not done for scope, unit in self.assigned_work.get(node, {}).items()
                            if _module(scope) in ALONE for done in unit.values())
        if running_alone:
            self.workqueue.move_to_end(next(reversed(self.workqueue)), last=False)
        super()._assign_work_unit(node)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config) -> int:
    """(controller) `-n auto`: a worker per CPU for the suite, plus one for each long test of `ALONE` (the
    daemon's two run databases and the README's session), which keep theirs for minutes."""
    return (os.cpu_count() or 1) + 3


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """(controller) This scheduling under `-n`, unless another `--dist` than the default is asked for."""
    if config.getvalue("dist") in ("load", "loadscope"):
        return CrowdoutScheduling(config, log)
    return None


def _rank(item) -> int:
    module = _module(item.nodeid)
    return 0 if module in ALONE else 1 if module in SPREAD else 2


def pytest_collection_modifyitems(config, items):
    """(worker) The long tests first: xdist hands out units in collection order (`--no-loadscope-reorder`
    is set below), and every worker sorts alike, so their collections still agree."""
    if hasattr(config, "workerinput"):
        items.sort(key=_rank)


@pytest.hookimpl(optionalhook=True)  # an xdist hook
def pytest_configure_node(node):
    """(controller) Each worker learns the controller's COLUMNS, if any."""
    node.workerinput["crowdout_columns"] = os.environ.get("COLUMNS")


def pytest_configure(config):
    """Under xdist, units go out in collection order (the long tests first: see above).

    (worker) A worker starts with COLUMNS=80 set where the controller had none, and rich reads COLUMNS
    once, when `orchestration.cli.render` builds its console: the CLI tests that set COLUMNS themselves
    would then get 80 whatever they set. The worker's environment is made the controller's again."""
    if getattr(config.option, "dist", "no") != "no":
        config.option.loadscopereorder = False
    if hasattr(config, "workerinput"):
        columns = config.workerinput.get("crowdout_columns")
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns
