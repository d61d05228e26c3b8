"""Shared fixtures: fake provider servers, isolated media storage, WebSocket helpers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.fakes.fixtures"]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    """Every test stores audio in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _no_background_evaluation(settings: Any) -> None:
    """An evaluation thread would outlive its test and talk to the next test's fakes; tests opt in."""
    settings.INTERVIEW_EVALUATE_ON_FINISH = False


@pytest.fixture(autouse=True)
def _channel_layer_per_test() -> Any:
    """Each test's event loop gets channel layers of its own.

    channels keeps one layer per process, and channels_redis keeps a receive lock on it. Daphne
    runs one loop for its life; pytest-asyncio gives each test a new one. A lock bound to an earlier
    test's loop then failed a later test's consumer in its cleanup ("bound to a different event
    loop"), now and then, and the slot that consumer held stayed taken for the tests after it.
    """
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from django.db import connections

    # Worker threads of database_sync_to_async must not keep connections open past a call, or the
    # test database cannot be dropped at the end of the run.
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped test is a failed test: PostgreSQL, Redis and Chromium are all there.
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        print(f"\nCI: {len(_skipped)} test(s) were skipped, which CI does not allow:", *_skipped, sep="\n  ")
        session.exitstatus = 1


@pytest.fixture
def staff_client(db: None) -> Any:
    """A browser session of a logged-in recruiter (a superuser)."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser("recruiter", "recruiter@example.com", "pw"))
    return client
