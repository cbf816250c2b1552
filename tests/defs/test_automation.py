"""The UI starts nothing on its own (issue 20, story 4): after a `crowdout refresh`, `dg dev`'s daemon
observes the release families on its first tick and, finding the versions the refresh built from, starts
no build. Before, the CLI kept no observation in the instance, so the daemon's first observation looked
new and started a 53-asset build of what was already up to date. A withdrawal, though, is rebuilt at the
next observation, without waiting for a new release."""

from __future__ import annotations

import warnings

import dagster as dg

from orchestration.asset_keys import release_source
from orchestration.connectors.catalog import FAMILIES
from orchestration.defs.checks import raw_key
from orchestration.runs import refresh
from orchestration.warehouse.observe import Observation


def test_the_daemons_first_tick_after_a_cli_refresh_builds_nothing(settings, tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from orchestration.defs import build_definitions
    from orchestration.config import load_settings
    from orchestration.runs.instance import open_instance

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    settings = load_settings()
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    sources = {release_source(family) for family in FAMILIES}
    assert sources == {key for key in graph.get_all_asset_keys() if graph.get(key).is_observable}
    observed = [Observation(family, {f"https://publisher/{family}.csv": "etag:1"}) for family in FAMILIES]
    # What a CLI refresh leaves in the instance: its observations, then a materialization of every asset.
    refresh.record_observations(settings, observed)
    with open_instance(settings) as instance:
        for key in sorted(graph.materializable_asset_keys):
            instance.report_runless_asset_event(dg.AssetMaterialization(key))

        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert {r.key for r in first.results if r.true_subset.size} == sources  # it looks; it builds nothing

        # the daemon's own observation finds the same releases, so the same data versions
        for found in observed:
            instance.report_runless_asset_event(dg.AssetObservation(
                release_source(found.family), tags={refresh.DATA_VERSION_TAG: found.data_version}))
        second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        assert second.total_requested == 0

        # A release withdrawn by hand, nothing new at the publisher: the next observation is a new data
        # version, so that family's ingest step, the dbt models and the publish are requested.
        withdrawn = Observation(observed[0].family, observed[0].versions, withdrawn=(f"{observed[0].family}:0123",))
        instance.report_runless_asset_event(dg.AssetObservation(
            release_source(withdrawn.family), tags={refresh.DATA_VERSION_TAG: withdrawn.data_version}))
        third = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=second.cursor)
        requested = {r.key for r in third.results if r.true_subset.size and r.key not in sources}
        assert {k for k in requested if k.path[0] == "raw"} == {
            raw_key(table) for table in FAMILIES[withdrawn.family].raw_tables}
        assert dg.AssetKey("published_warehouse") in requested


def test_observations_the_instance_already_holds_are_not_recorded_again(tmp_path, monkeypatch):
    """A refresh with nothing new records nothing, so it never starts Dagster (about two seconds): the
    instance already holds each family's last observation. A family that looks different is recorded,
    and so is everything when dagster.yaml was rewritten or the instance is a new one."""
    from orchestration.config import load_settings
    from orchestration.runs.instance import open_instance

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    settings = load_settings()
    observed = [Observation(family, {f"https://publisher/{family}.csv": "etag:1"}) for family in FAMILIES]
    first, *others = observed
    refresh.record_observations(settings, observed)
    refresh.record_observations(settings, observed)
    refresh.record_observations(settings, [Observation(first.family, first.versions, errors=("unreachable",)), *others])
    with open_instance(settings) as instance:
        recorded = {found.family: len(instance.fetch_observations(release_source(found.family), limit=10).records)
                    for found in observed}
    assert recorded == {first.family: 2, **{found.family: 1 for found in others}}

    yaml = settings.dagster_home / "dagster.yaml"  # rewritten, as for another storage
    yaml.write_text(yaml.read_text(encoding="utf-8") + "\n# another storage\n", encoding="utf-8")
    refresh.record_observations(settings, observed)
    with open_instance(settings) as instance:
        assert len(instance.fetch_observations(release_source(others[0].family), limit=10).records) == 2

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "another"))
    refresh.record_observations(load_settings(), observed)
    with open_instance(load_settings()) as instance:
        assert instance.fetch_observations(release_source(first.family), limit=10).records
