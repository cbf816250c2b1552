"""The fallback when sensors are off or missed something: a full refresh once a month.

The 20th: TRAC bulletins appear six to eight weeks after their month, CBP updates mid-month. When
nothing changed a full refresh downloads little (TRAC pages already loaded are not fetched, CBP/OHSS
files are asked for conditionally) and costs about a minute, mostly dbt rebuilding and testing the
marts; that is cheap enough to cover every month rather than guess which one is due.
"""

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from orchestration.defs.jobs import REFRESH_JOB
from orchestration.defs.partitions import full_range_tags


@schedule(
    name="monthly_refresh",
    cron_schedule="0 6 20 * *",
    execution_timezone="UTC",
    target=REFRESH_JOB,
    default_status=DefaultScheduleStatus.STOPPED,
)
def monthly_refresh(context: ScheduleEvaluationContext) -> RunRequest:
    return RunRequest(
        run_key=context.scheduled_execution_time.strftime("monthly-%Y-%m"),
        tags={**full_range_tags(), "crowdout/trigger": "schedule"},
    )
