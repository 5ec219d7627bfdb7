"""test_store.py, test_store_features.py and test_models.py again, on the local PostgreSQL (settings
are per process, so in a subprocess)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import POSTGRES_URL, ROOT, check_postgres, require_service, station_env


@pytest.mark.services
def test_it_passes_the_store_and_model_tests_on_postgresql(tmp_path):
    require_service(f"PostgreSQL ({POSTGRES_URL})", check_postgres)
    # A database name of our own: pytest-django creates (and drops) test_<name>, so parallel runs
    # on this machine never share a test database.
    parts = urlsplit(POSTGRES_URL)
    url = urlunsplit(parts._replace(path=f"/station_{os.getpid()}"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:playwright",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/station/test_store.py",
            "tests/station/test_store_features.py",
            "tests/station/test_models.py",
        ],
        cwd=ROOT,
        env=station_env(tmp_path / "data", DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "skipped" not in summary, summary
