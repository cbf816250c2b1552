"""A run read back from its Dagster events says why it failed as people need it (issue 20, stories 1 and
2): the exception the step raised, not Dagster's wrapper; each failed check with the way out; the
releases a step loaded or failed. The failure alert is built from the same outcome."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from orchestration import alerts
from orchestration.run_outcome import INTERRUPTED, RELEASES, WAY_OUT, read_run, reason
from orchestration.warehouse.publish import PublishRefused

REFUSAL = ("publish refused: the build would lose what analysts read now in w.duckdb:\n  - marts.fct_x: 2018-01\n"
           "The published warehouse is unchanged. If the loss is intended (a withdrawn or corrected release), "
           "run `crowdout refresh --allow-shrink`.")


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def test_a_refused_publish_reads_as_its_own_reason_and_way_out(instance):
    @dg.asset
    def published_warehouse() -> None:
        raise PublishRefused(REFUSAL)

    result = dg.materialize([published_warehouse], instance=instance, raise_on_error=False)
    run = read_run(instance, result.run_id)
    assert run.status == "FAILURE" and run.failed_steps == ["published_warehouse"]
    assert run.errors == [f"published_warehouse: {REFUSAL}"]
    payload = alerts.failure_payload(run)
    assert payload["message"] == f"published_warehouse: {REFUSAL}"
    assert "DagsterExecutionStepExecutionError" not in str(payload) and "Error occurred" not in str(payload)


def test_the_refresh_prints_the_refusal_and_the_way_out(instance, tmp_path, monkeypatch, capsys):
    from orchestration import cli
    from orchestration.runs import refresh

    @dg.asset
    def published_warehouse() -> None:
        raise PublishRefused(REFUSAL)

    run = read_run(instance, dg.materialize([published_warehouse], instance=instance, raise_on_error=False).run_id)
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setattr(refresh, "run_refresh", lambda *a, **k: refresh.RefreshOutcome(
        seconds=1.0, instance=str(tmp_path), new=["--force"], run=run))
    capsys.readouterr()  # Dagster's own log of the run above
    assert cli.main(["refresh"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "error: published_warehouse: publish refused: the build would lose what analysts read now" in err
    assert "run `crowdout refresh --allow-shrink`" in err and "Error occurred while executing" not in err


def test_a_failed_check_says_what_failed_and_what_to_do(instance):
    @dg.asset(key=["raw", "cbp_sbo"], check_specs=[dg.AssetCheckSpec("row_count_vs_previous_release",
                                                                     asset=["raw", "cbp_sbo"], blocking=True)])
    def raw_sbo():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                  description="newest release keeps 10% of the previous release's rows")

    run = read_run(instance, dg.materialize([raw_sbo], instance=instance, raise_on_error=False).run_id)
    (check,) = run.failed_checks
    assert check["description"] == "newest release keeps 10% of the previous release's rows"
    assert "crowdout release withdraw" in check["way_out"]
    message = alerts.failure_payload(run)["message"]
    assert "row_count_vs_previous_release" in message and "crowdout release withdraw" in message
    # the step's reason names its checks, not Dagster's "1 blocking asset check failed with ERROR severity"
    assert run.errors == ["raw__cbp_sbo: stopped by 1 failing check: raw/cbp_sbo row_count_vs_previous_release"]


def test_a_check_with_its_own_advice_gets_no_generic_one_after_it(instance):
    """Review of issue 20, finding 3: "...lower checks.min_month_ratio in releases.toml.; the newest release
    of that family broke it: fix the connector, or withdraw..." said two things, one contradicting the other."""
    own = "if r1 is a bad file: `crowdout release withdraw r1 --reason TEXT`. If it is right, lower checks.min_month_ratio."
    specs = [dg.AssetCheckSpec(name, asset=["raw", "cbp_sbo"], blocking=True)
             for name in ("months_covered", "row_count_vs_previous_release")]

    @dg.asset(key=["raw", "cbp_sbo"], check_specs=specs)
    def raw_sbo():
        yield dg.MaterializeResult()
        for spec in specs:
            yield dg.AssetCheckResult(check_name=spec.name, passed=False, severity=dg.AssetCheckSeverity.ERROR,
                                      description="r1 covers 2 month(s); this blocks the publish",
                                      metadata={WAY_OUT: own})

    run = read_run(instance, dg.materialize([raw_sbo], instance=instance, raise_on_error=False).run_id)
    assert [c["way_out"] for c in run.failed_checks] == [own, own]
    assert run.errors == ["raw__cbp_sbo: stopped by 2 failing checks: raw/cbp_sbo months_covered; "
                          "raw/cbp_sbo row_count_vs_previous_release"]
    message = alerts.failure_payload(run)["message"]
    assert "fix the connector" not in message and "ERROR severity" not in message


def test_a_reason_carries_no_terminal_escape_codes(instance):
    """dbt colours its `FAIL 1`; the reason a step stores, prints and posts carries the text, not ESC bytes."""
    @dg.asset
    def dbt_models() -> None:
        raise RuntimeError("test x: \x1b[31mFAIL 1\x1b[0m in 0.37s")

    run = read_run(instance, dg.materialize([dbt_models], instance=instance, raise_on_error=False).run_id)
    assert run.errors == ["dbt_models: test x: FAIL 1 in 0.37s"]
    assert "\x1b" not in json.dumps(alerts.failure_payload(run))


def test_a_step_names_the_releases_it_loaded_or_failed(instance):
    entry = {"family": "cbp-sbo", "file": "a.csv", "status": "failed", "release_id": None, "error": "bad header"}

    @dg.asset
    def ingest_cbp_sbo() -> None:
        raise dg.Failure(description="1 cbp-sbo release(s) failed to load",
                         metadata={RELEASES: dg.MetadataValue.json([entry])})

    run = read_run(instance, dg.materialize([ingest_cbp_sbo], instance=instance, raise_on_error=False).run_id)
    assert run.releases == [entry] and run.errors == ["ingest_cbp_sbo: 1 cbp-sbo release(s) failed to load"]


def test_an_interrupted_step_is_one_line():
    from dagster._utils.error import SerializableErrorInfo

    wrapped = SerializableErrorInfo("dagster._core.errors.DagsterExecutionInterruptedError\n", [],
                                    "DagsterExecutionInterruptedError")
    assert reason(wrapped) == INTERRUPTED
