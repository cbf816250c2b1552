"""crowdout: monthly TRAC and CBP releases into a DuckDB warehouse of displacement metrics."""
