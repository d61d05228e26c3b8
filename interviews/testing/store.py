"""An in-memory Store: what a session stored, as it stored it, for in-process pipeline tests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from interviews.events import SessionSuperseded, TurnRecord


@dataclass
class StoredTurn:
    record: TurnRecord
    playback_started_ms: float | None = None

    @property
    def text(self) -> str:
        return self.record.text


@dataclass
class InMemoryStore:
    greeting_spoken: bool = False
    turns: dict[int, StoredTurn] = field(default_factory=dict)
    finished: str = ""
    touches: int = 0
    superseded: bool = False  # a newer session holds the interview: writes are refused
    failures: int = 0  # the next writes that fail as if the database were away

    def ordered(self) -> list[StoredTurn]:
        return [self.turns[index] for index in sorted(self.turns)]

    def _write(self) -> None:
        if self.superseded:
            raise SessionSuperseded("a newer session holds the interview")
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database is briefly unavailable")

    async def claim_greeting(self) -> bool:
        claimed, self.greeting_spoken = not self.greeting_spoken, True
        return claimed

    async def finish(self, *, reason: str) -> None:
        self._write()
        self.finished = self.finished or reason

    async def record_turn(self, record: TurnRecord) -> None:
        self._write()
        previous = self.turns.get(record.index)
        if previous is not None and not record.replaces:
            return  # stored already: a retried write that had in fact committed
        self.turns[record.index] = StoredTurn(record)

    async def update_transcript(self, *, index: int, text: str, transcript_ms: float | None, error: str) -> None:
        self._write()
        if (turn := self.turns.get(index)) is not None:
            timings = replace(turn.record.timings, transcript_ms=transcript_ms)
            turn.record = replace(turn.record, text=text, error=error, timings=timings)

    async def touch(self) -> None:
        self._write()
        self.touches += 1

    async def mark_interrupted(self, *, index: int, text: str) -> None:
        self._write()
        if (turn := self.turns.get(index)) is not None:
            turn.record = replace(turn.record, text=text, interrupted=True)

    async def playback_started(self, *, index: int, latency_ms: float) -> None:
        self._write()
        if (turn := self.turns.get(index)) is not None and turn.playback_started_ms is None:
            turn.playback_started_ms = latency_ms
