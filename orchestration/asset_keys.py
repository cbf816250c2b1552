"""Asset keys that code outside the definitions names too: the CLI records its observations on the
release sources and reads runs back by step, without importing (and so building) every definition."""

from dagster import AssetKey

PUBLISHED_WAREHOUSE = "published_warehouse"


def family_slug(family: str) -> str:
    return family.replace("-", "_")


def release_source(family: str) -> AssetKey:
    """A family's observable source: the releases as the publisher offers them."""
    return AssetKey(["release", family_slug(family)])


def ingest_step(family: str) -> str:
    """The name of a family's ingest step (its multi-asset)."""
    return f"ingest_{family_slug(family)}"
