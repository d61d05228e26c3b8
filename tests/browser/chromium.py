"""Debian's headless Chromium, driven by Playwright, with a fake microphone playing a WAV file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


@contextmanager
def chromium_with_mic(wav: Path, *, loop: bool = True, camera: bool = True) -> Iterator[object]:
    """A browser context whose microphone plays `wav` (once, unless `loop`) and whose camera is a test pattern."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}{'' if loop else '%noloop'}"],
        )
        context = browser.new_context(viewport={"width": 1100, "height": 820}, locale="en-US")
        context.grant_permissions(["microphone", "camera"] if camera else ["microphone"])
        try:
            yield context
        finally:
            context.close()
            browser.close()
