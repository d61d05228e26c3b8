"""A pause in a hands-free answer: the end-of-turn model's score and the recogniser's words for it.

Each comes in on a worker thread while the candidate is silent, and each may end the answer there and
then: neither waits for the next audio chunk (nor for one that never comes), and neither runs between
a feed's events and their handling (`stepping`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from interviews.pipeline.ports import Runtime, TurnScorer
from interviews.turn_taking import Listener, ListenerEvent

# The end-of-turn model's scores (~80 ms of CPU each) run on one thread of their own: on the shared
# pool they queued every session's audio chunks, audio_end included, behind them (bench/load.py
# --hands-free, BENCHMARKS.md #22). Under load a score then comes late, and the pause is decided by
# the silence and the words, as without the model.
SCORING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="end-of-turn")


class PauseSignals:
    def __init__(
        self,
        *,
        runtime: Runtime,
        stepping: asyncio.Lock,
        turn_model: TurnScorer | None,
        ended: Callable[[Listener, ListenerEvent], Awaitable[None]],
    ) -> None:
        self.runtime = runtime
        self.stepping = stepping
        self.turn_model = turn_model
        self.ended = ended  # the answer ended on a signal that came in between chunks
        self.scoring: asyncio.Task[None] | None = None
        self.catching_up: asyncio.Task[None] | None = None

    def score(self, listener: Listener, event: ListenerEvent) -> None:
        """The model scores the pause in a worker thread, off the path of the next audio chunk; the
        listener uses the score if the pause is still going on."""
        model = self.turn_model
        if model is None or event.pcm is None:
            return
        if self.scoring is not None:
            self.scoring.cancel()  # an earlier pause's score, now moot

        async def score(pcm: np.ndarray, pause: int) -> None:
            probability = await self.runtime.in_executor(
                SCORING, _probability_while_pausing, model, listener, pcm, pause
            )
            if probability is not None:
                await self._settle(listener, lambda: listener.scored(pause, probability))

        self.scoring = asyncio.ensure_future(score(event.pcm, event.pause))

    def words(
        self, listener: Listener, recognised: Awaitable[str | None], apply: Callable[[str], Awaitable[None]]
    ) -> None:
        """The recogniser's pass over the words up to the pause: `apply` them as soon as they are in
        (the listener's partial, the page's subtitle), and end the answer if they say it is over."""
        if self.catching_up is not None:
            self.catching_up.cancel()

        async def catch_up() -> None:
            partial = await recognised
            if partial:
                await self._settle(listener, listener.reassess, before=lambda: apply(partial))

        self.catching_up = asyncio.ensure_future(catch_up())

    async def _settle(
        self,
        listener: Listener,
        decide: Callable[[], ListenerEvent | None],
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        async with self.stepping:  # not between a feed's events and their handling
            if before is not None:
                await before()
            ended = await self.runtime.to_thread(decide)
            if ended is not None:
                await self.ended(listener, ended)


def _probability_while_pausing(model: TurnScorer, listener: Listener, pcm: np.ndarray, pause: int) -> float | None:
    """The model's score, unless the pause was over before a worker thread was free for it (voice
    resumed: most pauses between words are shorter than the wait for a thread under load)."""
    return model.probability(pcm) if listener.pausing(pause) else None
