"""Connectors: find, download, land and parse each publisher's releases. No Dagster, no warehouse."""
