"""Shared test fixtures.

Components the suite needs from the machine (PostgreSQL, Tesseract, Chromium) are asked for with
`require(name, available, why)`: locally a missing one skips with the reason; in CI
(REFERAT_REQUIRE_ALL=1, set by .ci/run) a missing one fails, so a green CI never hides a skip.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import settings as hypothesis_settings

# CI runs the property tests on a fixed set of examples, so a green run stays green on a re-run;
# locally every run explores new examples (and a found failure is kept in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def require(name: str, available: bool, why: str) -> None:
    """Skip (locally) or fail (in CI) when a component the test needs is missing."""
    if available:
        return
    message = f"{name} is not available: {why}"
    if os.environ.get("REFERAT_REQUIRE_ALL") == "1":
        pytest.fail(message + " (CI requires it)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of a real PostgreSQL database (scripts/start-postgres prints one)."""
    url = os.environ.get("REFERAT_TEST_PG_URL", "")
    require("PostgreSQL", bool(url), "set REFERAT_TEST_PG_URL=$(scripts/start-postgres) to run these tests")
    return url


@contextmanager
def pg_schema(base_url: str, prefix: str = "t") -> Iterator[str]:
    """A fresh schema on the PostgreSQL server for one test (or module), dropped afterwards;
    yields a URL whose connections use it."""
    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
