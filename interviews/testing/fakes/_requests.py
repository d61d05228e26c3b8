"""What the fake provider servers record and inject: one record per request, and the faults
(fail, hang, cut) that the next requests to an endpoint get."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["fail", "hang", "cut"]


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
