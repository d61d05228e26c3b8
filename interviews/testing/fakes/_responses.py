"""How a fake provider server answers one request: every request recorded (a client that
disconnects included), complete responses, paced streams, and the injected faults (fail, hang, cut)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from interviews.testing.fakes._requests import Fault, RequestRecord

Handler = Callable[[web.Request, RequestRecord], Awaitable[web.StreamResponse]]


class RequestHandling:
    """The request side of FakeServer: its records (under `_lock`) and the ways it responds.

    Subclasses implement `_error_body`, the provider's own shape of an error response.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def _error_body(self, status: int, message: str) -> dict[str, Any]:
        raise NotImplementedError

    def _update(self, record: RequestRecord, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(record, name, value)

    def _mark_first_byte(self, record: RequestRecord, status: int) -> None:
        self._update(record, status=status, first_byte_at=time.perf_counter(), first_byte_wall=time.time())

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
