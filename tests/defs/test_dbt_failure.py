"""A failed `dbt build` is said in crowdout's words (review of issue 20, finding 3): which node errored and
dbt's message without its colour codes, or that dbt stopped before running anything and where its log is.
A failed test, with its failing rows, is covered end to end (test_end_to_end.py)."""

from pathlib import Path

from orchestration.defs.dbt import build_failure

MANIFEST = {"nodes": {"model.crowdout.fct_x": {"name": "fct_x", "resource_type": "model"}}}


def test_an_errored_model_is_named_with_dbt_s_message_without_escape_codes():
    results = {"results": [
        {"unique_id": "model.crowdout.fct_x", "status": "error",
         "message": "Runtime Error in model fct_x: \x1b[31mBinder Error\x1b[0m: column y not found"},
        {"unique_id": "model.crowdout.fct_y", "status": "skipped", "message": None},
    ]}
    said = build_failure(results, MANIFEST, Path("/t"), 1)
    assert said == ("dbt build stopped (1 errored); what depends on them was skipped and nothing was published.\n"
                    "model fct_x errored: Runtime Error in model fct_x: Binder Error: column y not found")


def test_a_dbt_that_ran_nothing_points_at_its_log():
    said = build_failure({}, MANIFEST, Path("/t"), 2)
    assert said == "dbt build failed (exit code 2) before running any model or test; dbt's own log: /t/dbt.log"
