"""The conversation so far: what the language model is shown, and what observers are told."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from interviews.events import HistoryItem
from interviews.pipeline.events import TurnHeard
from interviews.pipeline.ports import Observer
from interviews.providers.base import Message

CANDIDATE, INTERVIEWER = "candidate", "interviewer"


class History:
    def __init__(
        self,
        items: list[HistoryItem],
        *,
        interview_id: int,
        observer: Observer | None,
        spawn: Callable[[Coroutine[Any, Any, Any]], object],
    ) -> None:
        self.items = list(items)
        self.interview_id = interview_id
        self.observer = observer
        self.spawn = spawn

    @property
    def last(self) -> HistoryItem | None:
        return self.items[-1] if self.items else None

    @property
    def interviewer_heard(self) -> bool:
        """The candidate has heard the interviewer say something (at least part of the greeting)."""
        return any(item.speaker == INTERVIEWER and item.text.strip() for item in self.items)

    def last_interviewer_words(self) -> str:
        """What the interviewer said last (the same string object until it changes)."""
        return next((item.text for item in reversed(self.items) if item.speaker == INTERVIEWER), "")

    def remember(self, *, turn: int, speaker: str, text: str, **plan: Any) -> None:
        """A turn's words as they now stand (replacing what was known of that turn); interviewer
        turns also say where the plan stood (plan_question, follow_up, started_at)."""
        item = HistoryItem(turn=turn, speaker=speaker, text=text, **plan)
        self.items = sorted([h for h in self.items if h.turn != turn] + [item], key=lambda h: h.turn)
        if self.observer is not None and text:
            self.spawn(self.observer(TurnHeard(self.interview_id, turn, speaker, text)))

    def for_language_model(self) -> list[Message]:
        """Every turn with words, as chat messages (a turn nobody heard is left out)."""
        return [
            Message("assistant" if item.speaker == INTERVIEWER else "user", item.text)
            for item in self.items
            if item.text.strip()
        ]

    def wire(self) -> list[dict[str, object]]:
        return [item.as_wire() for item in self.items]


class TurnNumbers:
    """Turn numbers in the order things are said; a reply withdrawn unsaid gives its number back."""

    def __init__(self, next_index: int) -> None:
        self.next = next_index

    def claim(self) -> int:
        index, self.next = self.next, self.next + 1
        return index

    def give_back(self, index: int) -> None:
        if self.next == index + 1:
            self.next = index
