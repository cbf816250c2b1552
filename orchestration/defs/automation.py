"""When things run: declarative automation conditions, the sensor that evaluates them, and the alert
on a failed run.

Release families are observed every six hours; an observation with a new data version (a new or
changed release) makes the family's ingest step eligible, and everything downstream follows eagerly:
one `dbt build`, then the publish. The monthly cron is the fallback for a publisher whose changes an
observation cannot see. A publish never follows a failed build.

Eager conditions build what changes after the automation starts, not what was missing before it: a new
deployment builds its first warehouse with `crowdout refresh`, in the same Dagster instance, and the
daemon carries on from there (README, "Run it in production").
"""

from dagster import (
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    FreshnessPolicy,
    RunFailureSensorContext,
    run_failure_sensor,
)

from orchestration import alerts
from orchestration.config import AutomationConfig, load_settings
from orchestration.run_outcome import read_run
from orchestration.warehouse import freshness

# The first look is at once (a new deployment must not wait for the next cron tick), then on the cron.
FIRST_LOOK = AutomationCondition.initial_evaluation()


# When to look and the fallback: [automation] in releases.toml, read once as the code location loads
# (defs/__init__.py), so ops can change the cadence (and a test can shorten it) without touching code.
def observe_condition(crons: AutomationConfig) -> AutomationCondition:
    return (AutomationCondition.cron_tick_passed(crons.observe_cron) | FIRST_LOOK) & ~AutomationCondition.in_progress()


def ingest_condition(crons: AutomationConfig) -> AutomationCondition:
    return (
        AutomationCondition.eager()
        | (AutomationCondition.cron_tick_passed(crons.monthly_cron) & ~AutomationCondition.in_progress())
    ).with_label("new release, or the monthly fallback")


BUILD = AutomationCondition.eager()
PUBLISH = (
    AutomationCondition.eager() & ~AutomationCondition.any_deps_match(AutomationCondition.execution_failed())
).with_label("eager, never after a failed build")

# Releases, marts and the published file: refreshed monthly, so stale after about a month.
MONTHLY_FRESHNESS = FreshnessPolicy.time_window(fail_window=freshness.FAIL_AFTER, warn_window=freshness.WARN_AFTER)


def sensors(automation: AutomationConfig) -> list:
    """The daemon's two sensors, each evaluated at most every `sensor_interval_seconds`."""
    every = automation.sensor_interval_seconds
    return [
        AutomationConditionSensorDefinition(
            "crowdout_automation",
            target=AssetSelection.all(include_sources=True),
            default_status=DefaultSensorStatus.RUNNING,
            minimum_interval_seconds=every,
            description="Observes the release families and runs what a new release makes due.",
        ),
        run_failure_sensor(name="run_failure_alerts", default_status=DefaultSensorStatus.RUNNING,
                           minimum_interval_seconds=every)(alert_failed_run),
    ]


def alert_failed_run(context: RunFailureSensorContext):
    """Post every failed run to CROWDOUT_ALERT_WEBHOOK when one is set, as its events tell it: a run whose
    process died (run monitoring fails it, with no step failure) included (`alerts.NO_MESSAGE`). Each
    evaluation is an entry point of its own: it reads the settings (the webhook) once."""
    run = read_run(context.instance, context.dagster_run.run_id)
    problem = alerts.post_webhook(load_settings(), alerts.failure_payload(run))
    if problem:
        context.log.warning(problem)
