"""The definitions load from a prepared dbt manifest, never by running dbt at import: prepare it once,
with dagster-dbt's own preparer, before any test module here imports them."""

from orchestration.dbt_manifest import ensure_prepared

ensure_prepared()
