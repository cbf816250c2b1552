"""Running the pipeline: a refresh and what it says afterwards, the Dagster instance, failures grouped by cause."""
