"""Shared machinery of the fake provider servers: background aiohttp loop, request records, fault injection."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from aiohttp import web

FaultKind = Literal["fail", "hang", "cut"]
Handler = Callable[[web.Request, "RequestRecord"], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Fault:
    """One injected failure, consumed by the next request to its endpoint."""

    kind: FaultKind
    status: int = 500
    body: dict[str, Any] | None = None
    after_chunks: int = 0


@dataclass
class RequestRecord:
    """One request as the fake saw it.

    `*_at` fields are time.perf_counter() values of the process running the fake (comparable with the
    test's own perf_counter when the fake runs in-process); `*_wall` fields are time.time() values.
    """

    endpoint: str
    method: str
    path: str
    received_at: float
    received_wall: float
    query: dict[str, str] = field(default_factory=dict)
    path_params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    fault: FaultKind | None = None
    status: int | None = None
    first_byte_at: float | None = None
    first_byte_wall: float | None = None
    finished_at: float | None = None
    finished_wall: float | None = None
    client_disconnected: bool = False
    chunks_sent: int = 0
    bytes_sent: int = 0
    response_text: str | None = None
    file_bytes: bytes | None = field(default=None, repr=False)

    @property
    def tokens_sent(self) -> int:
        """Content chunks of a chat stream (one token each)."""
        return self.chunks_sent

    @property
    def voice_id(self) -> str | None:
        return self.path_params.get("voice_id")

    @property
    def text(self) -> str | None:
        """The `text` field of the request body (the text to speak, for TTS)."""
        value = self.body.get("text")
        return value if isinstance(value, str) else None

    @property
    def model_id(self) -> str | None:
        value = self.body.get("model_id", self.body.get("model"))
        return value if isinstance(value, str) else None

    @property
    def first_byte_latency_s(self) -> float | None:
        return None if self.first_byte_at is None else self.first_byte_at - self.received_at

    @property
    def duration_s(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.received_at

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form (no uploaded bytes) for the `/_fake/requests` endpoint."""
        data = dataclasses.asdict(self)
        data.pop("file_bytes")
        data["tokens_sent"] = self.chunks_sent
        return data


class FakeServer:
    """An aiohttp server on 127.0.0.1 running in its own thread and event loop.

    Subclasses declare `endpoints` (names used by records and fault injection), `config_fields`
    (attributes settable through `configure()` and `POST /_fake/config`), and implement
    `_reset_config`, `_add_routes` and `_error_body`.
    """

    endpoints: tuple[str, ...] = ()
    config_fields: tuple[str, ...] = ()

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._port = port
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._defaults: dict[str, Any] = {}
        self._reset_config()

    # --- provider-specific hooks -------------------------------------------------------------

    def _reset_config(self) -> None:
        raise NotImplementedError

    def _add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _error_body(self, status: int, message: str) -> dict[str, Any]:
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

    def _update(self, record: RequestRecord, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(record, name, value)

    def _mark_first_byte(self, record: RequestRecord, status: int) -> None:
        self._update(record, status=status, first_byte_at=time.perf_counter(), first_byte_wall=time.time())

    # --- request handling helpers ------------------------------------------------------------

    def _recorded(self, endpoint: str, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Wrap a handler so that every request gets a record, finished and disconnect-aware."""

        async def handle(request: web.Request) -> web.StreamResponse:
            record = RequestRecord(
                endpoint=endpoint,
                method=request.method,
                path=request.path,
                received_at=time.perf_counter(),
                received_wall=time.time(),
                query=dict(request.query),
                path_params=dict(request.match_info),
            )
            with self._lock:
                self._records.append(record)
            try:
                return await handler(request, record)
            except (asyncio.CancelledError, ConnectionResetError):
                self._update(record, client_disconnected=True)
                raise
            finally:
                if record.finished_at is None:
                    self._update(record, finished_at=time.perf_counter(), finished_wall=time.time())

        return handle

    async def _send(self, request: web.Request, record: RequestRecord, response: web.Response) -> web.Response:
        """Write a complete response now, so first_byte_at and finished_at are the real send times."""
        self._mark_first_byte(record, response.status)
        await response.prepare(request)
        await response.write_eof()
        body = response.body
        self._update(record, bytes_sent=len(body) if isinstance(body, bytes | bytearray) else 0)
        return response

    async def _send_error(self, request: web.Request, record: RequestRecord, status: int, message: str) -> web.Response:
        return await self._send(request, record, web.json_response(self._error_body(status, message), status=status))

    async def _apply_fault(self, request: web.Request, record: RequestRecord, fault: Fault) -> web.StreamResponse:
        """Carry out a fail or hang fault."""
        self._update(record, fault=fault.kind)
        if fault.kind == "hang":
            return await self._hang(request, record)
        body = fault.body if fault.body is not None else self._error_body(fault.status, "Injected failure")
        headers = {"retry-after": "0"} if fault.status == 429 else None
        return await self._send(request, record, web.json_response(body, status=fault.status, headers=headers))

    async def _hang(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        # Never set: the wait ends only by cancellation, when the client disconnects (handler_cancellation)
        # or the server stops; _recorded() then marks client_disconnected.
        await asyncio.Event().wait()
        return web.Response(status=499)

    def _cut(self, request: web.Request, record: RequestRecord) -> web.Response:
        """Close the connection mid-response (after flushing what was written), without a clean end."""
        self._update(record, fault="cut")
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=499)

    async def _stream(
        self,
        request: web.Request,
        record: RequestRecord,
        *,
        content_type: str,
        chunks: Sequence[bytes],
        trailer: bytes = b"",
        first_delay_s: float,
        per_chunk_delay_s: float,
        cut_after: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.StreamResponse:
        """Send `chunks` with chunked encoding: the first after `first_delay_s`, then one per `per_chunk_delay_s`.

        With `cut_after`, the connection is closed after that many chunks and the trailer is never sent.
        """
        response = web.StreamResponse(status=200, headers=headers)
        response.content_type = content_type
        response.enable_chunked_encoding()
        await asyncio.sleep(first_delay_s)
        self._mark_first_byte(record, 200)
        await response.prepare(request)
        for index, chunk in enumerate(chunks):
            if cut_after is not None and index >= cut_after:
                return self._cut(request, record)
            if index > 0:
                await asyncio.sleep(per_chunk_delay_s)
            await response.write(chunk)
            self._update(record, chunks_sent=index + 1, bytes_sent=record.bytes_sent + len(chunk))
        if cut_after is not None:
            return self._cut(request, record)
        if trailer:
            await response.write(trailer)
            self._update(record, bytes_sent=record.bytes_sent + len(trailer))
        await response.write_eof()
        return response

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
