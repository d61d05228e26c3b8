"""The app's ASGI application plus two probes, for benchmarks only.

`python -m interview_project.serve bench.asgi_probe:application` serves exactly
interview_project.asgi.application; in addition:
- a task started on the first connection sleeps 10 ms at a time and records how late each wake-up is
  (the time any ready callback waits for the loop): percentiles in $DATA_DIR/loop_lag-<pid>.json;
- the ASGI receive/send of each socket are wrapped to note the wall time at which the consumer picks
  up each audio_end and hands over the first ai_audio_chunk after it, in $DATA_DIR/ws_events-<pid>.json
  (so the benchmark can split the client's latency into ingress, server and egress).
Both files are rewritten every second. The app itself is not changed. With PYTHONTRACEMALLOC set
(bench/memory.py --tracemalloc), SIGUSR2 writes a tracemalloc snapshot to
$DATA_DIR/tracemalloc-<pid>-<n>.pickle, after a full garbage collection.

BENCH_PATCHES (comma-separated) applies, in this process only, a fix proposed in BENCHMARKS.md, so its
effect can be measured before it is made in the app:
- dispatch: InterviewConsumer skips channels' per-message `aclose_old_connections()` hop to the shared
  sync thread (it does no database work per message; its DB calls go through database_sync_to_async,
  which closes stale connections itself);
- persistent_db: CONN_MAX_AGE=None for the database (SQLite otherwise reconnects on every write);
- tts_pool: httpx clients created without explicit limits (the ElevenLabs one) get room for 1,000
  connections, 200 kept alive, instead of httpx's default 100 / 20;
- redis_timeout: the Redis channel layer's connections get socket_timeout=None: redis-py 8 defaults to
  5 s, exactly channels_redis' 5 s BZPOPMIN, so an idle consumer's receive times out and its socket
  is closed with 1011.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import signal
import time
import tracemalloc
from array import array
from pathlib import Path
from typing import Any

from interview_project.asgi import application as app

PATCHES = {name.strip() for name in os.environ.get("BENCH_PATCHES", "").split(",") if name.strip()}


def _apply_patches() -> None:
    if "dispatch" in PATCHES:
        from channels.consumer import get_handler_name

        from interviews.consumers import InterviewConsumer

        async def dispatch(self: Any, message: dict[str, Any]) -> None:
            handler = getattr(self, get_handler_name(message), None)
            if handler is None:
                raise ValueError(f"No handler for message type {message['type']}")
            await handler(message)

        InterviewConsumer.dispatch = dispatch  # type: ignore[method-assign]
    if "persistent_db" in PATCHES:
        from django.db import connections

        connections.settings["default"]["CONN_MAX_AGE"] = None
    if "redis_timeout" in PATCHES:
        from django.conf import settings

        config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
        config["hosts"] = [
            {"address": host, "socket_timeout": None} if isinstance(host, str) else host
            for host in config.get("hosts", [])
        ]
    if "tts_pool" in PATCHES:
        import httpx

        original_init = httpx.AsyncClient.__init__

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("limits", httpx.Limits(max_connections=1000, max_keepalive_connections=200))
            original_init(self, *args, **kwargs)

        httpx.AsyncClient.__init__ = init  # type: ignore[method-assign]


_apply_patches()

_INTERVAL_S = 0.01
_started = False
_tasks: set[asyncio.Task[None]] = set()
# invite token -> [[event, wall time], ...]; events: "audio_end" (picked up), "first_audio" (sent)
_events: dict[str, list[list[Any]]] = {}


def _write(path: Path, text: str) -> None:
    partial = path.with_suffix(".tmp")
    partial.write_text(text)
    os.replace(partial, path)  # readers never see a half-written file


async def _probe() -> None:
    data_dir = Path(os.environ.get("DATA_DIR", "/tmp"))
    out = data_dir / f"loop_lag-{os.getpid()}.json"
    events_out = data_dir / f"ws_events-{os.getpid()}.json"
    lags_ms = array("d")  # 8 bytes a sample, not a float object each: the probe must not look like a leak
    last_write = time.perf_counter()
    while True:
        before = time.perf_counter()
        await asyncio.sleep(_INTERVAL_S)
        lags_ms.append((time.perf_counter() - before - _INTERVAL_S) * 1000)
        if time.perf_counter() - last_write >= 1.0:
            ordered = sorted(lags_ms)
            _write(
                out,
                json.dumps(
                    {
                        "samples": len(ordered),
                        "p50_ms": ordered[len(ordered) // 2],
                        "p95_ms": ordered[int(len(ordered) * 0.95)],
                        "p99_ms": ordered[int(len(ordered) * 0.99)],
                        "max_ms": ordered[-1],
                        "over_100ms": sum(1 for v in ordered if v > 100),
                    }
                ),
            )
            _write(events_out, json.dumps(_events))
            last_write = time.perf_counter()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _started
    if not _started:
        _started = True
        _tasks.add(asyncio.get_running_loop().create_task(_probe()))
    if scope.get("type") != "websocket":
        await app(scope, receive, send)
        return
    token = scope.get("path", "").rstrip("/").rsplit("/", 1)[-1]
    events = _events.setdefault(token, [])
    waiting_for_audio = False

    async def noting_receive() -> Any:
        nonlocal waiting_for_audio
        message = await receive()
        text = message.get("text")
        if text and '"audio_end"' in text:
            events.append(["audio_end", time.time()])
            waiting_for_audio = True
        return message

    async def noting_send(message: Any) -> None:
        nonlocal waiting_for_audio
        if waiting_for_audio and '"ai_audio_chunk"' in (message.get("text") or "")[:40]:
            waiting_for_audio = False
            await send(message)
            events.append(["first_audio", time.time()])
            return
        await send(message)

    await app(scope, noting_receive, noting_send)


def _snapshots_on_signal() -> None:
    if not tracemalloc.is_tracing():
        return
    data_dir = Path(os.environ.get("DATA_DIR", "/tmp"))
    numbers = itertools.count()

    def dump(signum: int, frame: Any) -> None:
        gc.collect()
        path = data_dir / f"tracemalloc-{os.getpid()}-{next(numbers)}.pickle"
        tracemalloc.take_snapshot().dump(str(path.with_suffix(".tmp")))
        os.replace(path.with_suffix(".tmp"), path)

    signal.signal(signal.SIGUSR2, dump)


_snapshots_on_signal()
