"""A PostgreSQL database of its own for each test that needs one, on the server CROWDOUT_TEST_POSTGRES_URL
names (.ci/run starts one; without it these tests are skipped). Its own database, not the named one: under
pytest-xdist the PostgreSQL tests run beside each other, and each must find only its own runs."""

from __future__ import annotations

import os
import uuid

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import make_url

SERVER_URL_ENV = "CROWDOUT_TEST_POSTGRES_URL"


def _admin(url):
    """A connection to the named database, outside a transaction (CREATE and DROP DATABASE need that)."""
    con = psycopg2.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                           dbname=url.database)
    con.autocommit = True
    return con


@pytest.fixture
def postgres_url() -> str:
    """The URL of a new, empty database (dropped after the test), in the form crowdout's settings take."""
    server = os.environ.get(SERVER_URL_ENV)
    if not server:
        pytest.skip(f"{SERVER_URL_ENV} not set (.ci/run starts PostgreSQL and sets it)")
    url = make_url(server)
    name = f"crowdout_test_{uuid.uuid4().hex[:12]}"
    con = _admin(url)
    try:
        with con.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield url.set(database=name).render_as_string(hide_password=False)
        with con.cursor() as cur:  # FORCE: a daemon's connection that outlived it must not keep the database
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        con.close()
