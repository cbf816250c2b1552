"""crowdout's dbt resource skips the in-process dbt adapter it never uses, and dbt still runs."""

from pathlib import Path

from orchestration.dbt_manifest import DbtCli, dbt_executable, dbt_project


def test_dbt_runs_without_the_in_process_adapter(tmp_path, monkeypatch):
    calls = []
    skip = DbtCli._initialize_dbt_core_adapter

    def spy(self, args):
        calls.append(list(args))
        return skip(self, args)

    monkeypatch.setattr(DbtCli, "_initialize_dbt_core_adapter", spy)
    invocation = DbtCli(project_dir=dbt_project, dbt_executable=dbt_executable()).cli(
        ["parse", "--quiet"], target_path=tmp_path / "target")
    invocation.wait()
    # dagster-dbt still calls the hook (if it stopped, this override would silently do nothing) ...
    assert calls == [["parse", "--quiet"]]
    # ... and dbt itself ran and wrote its manifest, with no adapter opened in this process
    assert invocation.adapter is None and invocation.is_successful()
    assert Path(tmp_path / "target" / "manifest.json").exists()
