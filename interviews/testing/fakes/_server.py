"""Shared machinery of the fake provider servers: a background aiohttp loop, configuration, fault
injection, the records as tests read them, and the control endpoints for a fake in another process.
How a request is answered and recorded is in _responses.py; the records and faults in _requests.py."""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Self

from aiohttp import web

from interviews.testing.fakes._requests import Fault, RequestRecord
from interviews.testing.fakes._responses import RequestHandling


class FakeServer(RequestHandling):
    """An aiohttp server on 127.0.0.1 running in its own thread and event loop.

    Subclasses declare `endpoints` (names used by records and fault injection), `config_fields`
    (attributes settable through `configure()` and `POST /_fake/config`), and implement
    `_reset_config`, `_add_routes` and `_error_body`.
    """

    endpoints: tuple[str, ...] = ()
    config_fields: tuple[str, ...] = ()

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__()
        self.host = host
        self._port = port
        self._faults: dict[str, deque[Fault]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._defaults: dict[str, Any] = {}
        self._reset_config()

    # --- provider-specific hooks (and RequestHandling._error_body) --------------------------

    def _reset_config(self) -> None:
        raise NotImplementedError

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._runner is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        return self._port

    @property
    def root_url(self) -> str:
        """URL of the server root, where the `/_fake/...` control endpoints live."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url

    def start(self) -> Self:
        """Start serving in a background thread; returns once the port is bound."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failures: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failures), name=f"{type(self).__name__}-server", daemon=True
        )
        self._thread.start()
        ready.wait()
        if failures:
            self._thread.join()
            self._thread = None
            raise failures[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        self._loop = None
        self._runner = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event, failures: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._start_site())
        except BaseException as exc:  # handed to start(), which re-raises it in the caller's thread
            failures.append(exc)
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            loop.close()

    async def _start_site(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self._add_routes(app)
        app.router.add_get("/_fake/requests", self._handle_list_requests)
        app.router.add_post("/_fake/reset", self._handle_reset)
        app.router.add_post("/_fake/config", self._handle_config)
        # handler_cancellation: a handler is cancelled when its client disconnects, which is how
        # records learn client_disconnected while the fake is sleeping or hanging.
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    # --- configuration and faults ------------------------------------------------------------

    def reset(self) -> None:
        """Forget records and injected faults; restore settings to the defaults (see set_defaults)."""
        with self._lock:
            self._records.clear()
            self._faults.clear()
            self._reset_config()
            self._apply(self._defaults)

    def configure(self, **values: Any) -> None:
        """Set delays, replies and the like by name (see `config_fields`) until the next reset()."""
        self._check_config(values)
        with self._lock:
            self._apply(values)

    def set_defaults(self, **values: Any) -> None:
        """Like configure(), but reset() keeps these values (e.g. a latency profile for a whole run)."""
        self._check_config(values)
        with self._lock:
            self._defaults = dict(values)
            self._apply(values)

    def _check_config(self, values: dict[str, Any]) -> None:
        unknown = sorted(set(values) - set(self.config_fields))
        if unknown:
            raise ValueError(f"Unknown setting(s) {unknown}; valid: {sorted(self.config_fields)}")

    def _apply(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            setattr(self, name, list(value) if isinstance(value, list | tuple) else value)

    def fail_next(self, endpoint: str, status: int = 500, count: int = 1, body: dict[str, Any] | None = None) -> None:
        """Answer the next `count` requests to `endpoint` with an error of this status (429 adds retry-after: 0)."""
        self._add_fault(endpoint, Fault("fail", status=status, body=body), count)

    def hang_next(self, endpoint: str, count: int = 1) -> None:
        """Accept the next `count` requests to `endpoint` and never answer them."""
        self._add_fault(endpoint, Fault("hang"), count)

    def _add_fault(self, endpoint: str, fault: Fault, count: int) -> None:
        if endpoint not in self.endpoints:
            raise ValueError(f"Unknown endpoint {endpoint!r}; valid: {list(self.endpoints)}")
        with self._lock:
            self._faults.setdefault(endpoint, deque()).extend([fault] * count)

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(endpoint)
            return queue.popleft() if queue else None

    def _pop_first(self, items: list[str]) -> str | None:
        with self._lock:
            return items.pop(0) if items else None

    # --- records -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot copy of every request so far, oldest first."""
        with self._lock:
            return [copy.copy(record) for record in self._records]

    def requests_to(self, endpoint: str) -> list[RequestRecord]:
        return [record for record in self.requests if record.endpoint == endpoint]

    def wait_for(self, predicate: Callable[[RequestRecord], bool], timeout_s: float = 5.0) -> RequestRecord:
        """Block until a record satisfies `predicate`; return it. Raises TimeoutError."""
        deadline = time.monotonic() + timeout_s
        while True:
            match = self._find(predicate)
            if match is not None:
                return match
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(timeout_s))
            time.sleep(0.01)

    async def wait_for_async(self, predicate: Callable[[RequestRecord], bool], timeout_s: float = 5.0) -> RequestRecord:
        """Like wait_for, but yields to the caller's event loop (use it in async tests driving the app)."""
        deadline = time.monotonic() + timeout_s
        while True:
            match = self._find(predicate)
            if match is not None:
                return match
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(timeout_s))
            await asyncio.sleep(0.01)

    def _find(self, predicate: Callable[[RequestRecord], bool]) -> RequestRecord | None:
        return next((record for record in self.requests if predicate(record)), None)

    def _timeout_message(self, timeout_s: float) -> str:
        return f"No matching request within {timeout_s} s; records: {self.requests}"

    # --- control endpoints (for a fake running in another process) ---------------------------

    async def _handle_list_requests(self, request: web.Request) -> web.Response:
        return web.json_response([record.to_json() for record in self.requests])

    async def _handle_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def _handle_config(self, request: web.Request) -> web.Response:
        """Apply settings from a JSON object; an optional "faults" list holds fault dicts.

        A fault dict: {"endpoint": ..., "kind": "fail"|"hang"|"cut", "status": 500, "count": 1,
        "after_chunks": 0, "body": {...}}.
        """
        try:
            payload = await request.json()
            faults = payload.pop("faults", [])
            self.configure(**payload)
            for spec in faults:
                if spec["kind"] not in ("fail", "hang", "cut"):
                    raise ValueError(f"Unknown fault kind {spec['kind']!r}; valid: fail, hang, cut")
                fault = Fault(
                    kind=spec["kind"],
                    status=int(spec.get("status", 500)),
                    body=spec.get("body"),
                    after_chunks=int(spec.get("after_chunks", 0)),
                )
                self._add_fault(spec["endpoint"], fault, int(spec.get("count", 1)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ok": True})
