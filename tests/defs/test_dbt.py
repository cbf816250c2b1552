"""The dbt step reads each model's row count from the line dbt's `report_row_count` post-hook logs."""

from orchestration.defs.dbt import row_count


def _log(msg: str, name: str = "JinjaLogInfo") -> dict:
    return {"info": {"name": name, "msg": msg}, "data": {}}


def test_the_post_hook_line_gives_the_node_and_its_rows():
    assert row_count(_log("crowdout row count: model.crowdout.fct_x 288")) == ("model.crowdout.fct_x", 288)


def test_any_other_event_is_not_a_row_count():
    assert row_count(_log("some other log line 288")) is None
    assert row_count(_log("crowdout row count: model.crowdout.fct_x 288", name="LogModelResult")) is None
    assert row_count({"info": {"name": "MainReportVersion"}, "data": {}}) is None
