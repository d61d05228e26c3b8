"""Building the OpenAI client while another thread imports httpx (a server's first sessions arrive
while its warm-up thread builds the ElevenLabs SDK, which imports httpx)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# In a fresh interpreter: a thread's import of httpx is held half done (httpx is in sys.modules
# without its names), and the main thread builds the OpenAI client meanwhile. The SDK looks httpx
# up in sys.modules (openai/_httpx2.py) and read `httpx.URL` from the half-made module: the
# AttributeError that ended 3 of 50 sessions of a freshly started server with 1011 (bench/load.py).
SCRIPT = textwrap.dedent(
    """
    import importlib.abc, importlib.machinery, sys, threading

    held, release = threading.Event(), threading.Event()

    class Held(importlib.abc.Loader):  # runs httpx._api only once released
        def __init__(self, real):
            self.real = real

        def create_module(self, spec):
            return self.real.create_module(spec)

        def exec_module(self, module):
            held.set()
            release.wait(10)
            self.real.exec_module(module)

    class HoldHttpx(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "httpx._api" or threading.current_thread().name != "importer":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            spec.loader = Held(spec.loader)
            return spec

    sys.meta_path.insert(0, HoldHttpx())
    threading.Thread(target=lambda: __import__("httpx"), name="importer").start()
    assert held.wait(10)
    assert "httpx" in sys.modules and not hasattr(sys.modules["httpx"], "URL")
    threading.Timer(3.0, release.set).start()  # longer than importing the SDK below takes

    from interviews.providers.openai import make_client

    client = make_client(api_key="k", base_url="http://127.0.0.1:9/v1", timeout_s=1, connect_timeout_s=1)
    print("built", client.base_url)
    """
)


def test_the_client_is_built_while_another_thread_imports_httpx():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "interview_project.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "built http://127.0.0.1:9/v1/" in done.stdout
