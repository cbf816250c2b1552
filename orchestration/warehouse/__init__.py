"""The DuckDB side of ingestion: schemas, the release registry, raw loads, the writer lock, publishing."""
