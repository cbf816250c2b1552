"""Calendar months, the grain of every publisher's figures, as Dagster partitions."""

from datetime import date

from dagster import AssetExecutionContext, FreshnessPolicy, MonthlyPartitionsDefinition

from orchestration import freshness
from orchestration.sources.trac import FAMILY as TRAC_FAMILY

# TRAC's first bulletin in the warehouse. end_offset=0: a month becomes a partition once it is over.
MONTHLY = MonthlyPartitionsDefinition(start_date="2016-10-01", end_offset=0)

# TRAC publishes one page per month and never revises it; CBP and OHSS publish rolling files that restate
# every month they cover, so their assets are unpartitioned and feed all months downstream.
MONTHLY_FAMILIES = frozenset({TRAC_FAMILY})

# Releases, marts and the published file: refreshed monthly, so stale after about a month.
MONTHLY_FRESHNESS = FreshnessPolicy.time_window(fail_window=freshness.FAIL_AFTER, warn_window=freshness.WARN_AFTER)

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_months(context: AssetExecutionContext) -> list[date]:
    """Every month in the run's partition range: one for a single partition, many for a single-run backfill."""
    keys = MONTHLY.get_partition_keys_in_range(context.partition_key_range)
    return [date.fromisoformat(k) for k in keys]


def dbt_month_vars(context: AssetExecutionContext) -> dict[str, str]:
    """The run's months as the dbt vars (YYYY-MM, inclusive) that limit what incremental models rewrite."""
    months = partition_months(context)
    return {"month_from": f"{months[0]:%Y-%m}", "month_to": f"{months[-1]:%Y-%m}"}


def full_range_tags() -> dict[str, str]:
    """Run tags that put every month so far into one run: how a refresh and a restated rolling file run."""
    keys = MONTHLY.get_partition_keys()
    return {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}
