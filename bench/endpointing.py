"""Endpointing benchmark: how long after the end of speech the answer is taken as finished, and how
often a candidate who is only pausing is cut off, on a scripted set of spoken answers.

The answers are spoken by the local Piper voice, with pauses inserted: complete answers, thinking
pauses inside an answer, "um" pauses, unfinished sentences and one-word answers. Each is streamed
at real-time pace, in the 50 ms chunks the page sends in hands-free mode, into a real daphne
process with no provider keys (local recognition, interviewer and voice: the whole product), one
new interview per answer. From the frames the client receives and the stored turns:

- early decisions: the server took the answer as finished during a pause inside it,
- recovered: of those, the candidate went on before the interviewer made a sound, so the reply
  was withdrawn and the answer continued (the candidate never hears a cut),
- audible cuts: the interviewer's reply reached the client before the candidate had finished:
  the false cuts a candidate experiences,
- split answers: answers stored as more than one candidate turn,
- delay: end of speech -> the final answer-ended decision, and -> the reply's first audio.

    .venv/bin/python bench/endpointing.py [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")

from interviews.audio import RECOGNITION_RATE, decode_to_pcm  # noqa: E402 (after the project is put on sys.path)
from interviews.providers.base import Voice  # noqa: E402 (after the project is put on sys.path)
from interviews.providers.local_tts import LocalTextToSpeech  # noqa: E402 (after the project is put on sys.path)

OPEN_EN = "To start, could you walk me through a backend system you built recently?"
OPEN_KO = "먼저 최근에 만든 백엔드 시스템을 설명해 주시겠어요?"


@dataclass(frozen=True)
class Scenario:
    """One spoken answer: what kind it is, the question it answers, and its words and pauses (s)."""

    name: str
    kind: str  # "finished" | "short" (a short complete answer) | "pause" (pauses inside: never cut)
    question: str
    parts: list[str | float]
    language: str = "en"


SCRIPT: list[Scenario] = [
    # Finished answers: the reply should be heard promptly.
    Scenario(
        "complete answer", "finished", OPEN_EN, ["I built the payments service in Go and ran it for three years."]
    ),
    Scenario(
        "crisp ending",
        "finished",
        OPEN_EN,
        ["We moved the ledger to PostgreSQL, and the nightly reconciliation caught every mismatch."],
    ),
    Scenario(
        "two sentences", "finished", OPEN_EN, ["We used PostgreSQL.", 0.4, "Later we added Redis for the hot paths."]
    ),
    Scenario("korean complete", "finished", OPEN_KO, ["저는 결제 서비스를 만들고 삼 년 동안 운영했습니다."], "ko"),
    # Short complete answers to closed questions.
    Scenario("one word", "short", "Have you worked with Go before?", ["Yes."]),
    Scenario("yes, twice", "short", "Have you been on call before?", ["Yes, twice."]),
    Scenario("a number", "short", "How many engineers were on your team?", ["Four engineers."]),
    Scenario("korean short", "short", "온콜을 해 보신 적이 있나요?", ["네, 두 번 했습니다."], "ko"),
    # Pauses inside an answer: the candidate is thinking, never to be cut.
    Scenario(
        "thinking pause 0.7 s",
        "pause",
        OPEN_EN,
        ["The hardest part was the migration.", 0.7, "We had to keep both systems in sync."],
    ),
    Scenario("thinking pause 1.0 s", "pause", OPEN_EN, ["It took about six months.", 1.0, "Most of it was testing."]),
    Scenario(
        "thinking pause 1.5 s",
        "pause",
        OPEN_EN,
        ["We had one outage that year.", 1.5, "After it we added load shedding."],
    ),
    Scenario(
        "thinking pause 2.5 s", "pause", OPEN_EN, ["I led a team of four.", 2.5, "Two of them were new graduates."]
    ),
    Scenario("um pause 2 s", "pause", OPEN_EN, ["So, um", 2.0, "I think the main lesson was to measure first."]),
    Scenario(
        "unfinished sentence 2 s", "pause", OPEN_EN, ["And then we", 2.0, "moved the queue to a managed service."]
    ),
    Scenario("trailing and 1.8 s", "pause", OPEN_EN, ["We tried caching and", 1.8, "it cut the latency in half."]),
    Scenario("hmm then answer", "pause", OPEN_EN, ["Hmm.", 1.6, "I would start with the data model."]),
    Scenario(
        "list",
        "pause",
        OPEN_EN,
        [
            "First, we measured the latency,",
            1.2,
            "second, we added caching,",
            1.2,
            "and third, we sharded the database.",
        ],
    ),
    Scenario("korean trailing", "pause", OPEN_KO, ["결제 서비스를 만들었고", 1.5, "삼 년 동안 운영했습니다."], "ko"),
]
END_SILENCE_S = 3.5
KEYS = ("OPENAI_API_KEY", "ELEVENLABS_API_KEY", "STT_PROVIDER", "LLM_PROVIDER", "TTS_PROVIDER", "DATABASE_URL")


@dataclass
class Outcome:
    name: str
    kind: str
    speech_end_s: float  # where the last word ends in the recording
    pauses: list[tuple[float, float]]  # (start, end) of pauses inside the answer
    decisions: list[float] = field(default_factory=list)  # "answer ended" decisions, stream time
    continued: int = 0  # answers reopened because the candidate went on
    withdrawn: int = 0  # replies withdrawn before they made a sound
    reply_audio_s: list[float] = field(default_factory=list)  # first audio of each reply heard
    candidate_turns: int = 0  # stored


def voiced_end(pcm: np.ndarray, threshold: float = 0.01) -> float:
    """Where speech in a rendered sentence really ends (the voice leaves trailing silence)."""
    loud = np.flatnonzero(np.abs(pcm) > threshold)
    return (loud[-1] + 1) / RECOGNITION_RATE if len(loud) else 0.0


async def render(
    tts: LocalTextToSpeech, parts: list[str | float], language: str = "en"
) -> tuple[np.ndarray, float, list]:
    pieces: list[np.ndarray] = [np.zeros(int(0.5 * RECOGNITION_RATE), dtype=np.float32)]
    position = 0.5
    pauses: list[tuple[float, float]] = []
    last_voice_end = 0.0
    for part in parts:
        if isinstance(part, float):
            pause_start = last_voice_end
            pieces.append(np.zeros(int(part * RECOGNITION_RATE), dtype=np.float32))
            position += part
            pauses.append((pause_start, position))
            continue
        mp3 = b"".join([chunk async for chunk in tts.stream(part, voice=Voice(language=language))])
        pcm = decode_to_pcm(mp3)
        if pauses and pauses[-1][1] == position:
            # The real silence runs from the last voice to the next one, not just the inserted gap.
            loud = np.flatnonzero(np.abs(pcm) > 0.01)
            pauses[-1] = (pauses[-1][0], position + (loud[0] / RECOGNITION_RATE if len(loud) else 0.0))
        last_voice_end = position + voiced_end(pcm)
        pieces.append(pcm)
        position += len(pcm) / RECOGNITION_RATE
    pieces.append(np.zeros(int(END_SILENCE_S * RECOGNITION_RATE), dtype=np.float32))
    return np.concatenate(pieces), last_voice_end, pauses


async def run_one(
    server: Any, scenario: Scenario, template: str, pcm: np.ndarray, speech_end: float, pauses: list
) -> Outcome:
    import websockets

    from interviews.testing.live import frames_until, speak_in_real_time

    outcome = Outcome(name=scenario.name, kind=scenario.kind, speech_end_s=speech_end, pauses=pauses)
    interview = server.create_interview(template=template, candidate="Endpointing")
    duration_s = len(pcm) / RECOGNITION_RATE
    async with websockets.connect(interview["websocket_url"], origin=server.url, max_size=None) as ws:
        await ws.recv()  # session_state
        greeting = await frames_until(ws, "ai_audio_end", timeout_s=60)
        await ws.send(json.dumps({"type": "playback", "turn": greeting[-1]["turn"], "event": "ended"}))
        started = time.perf_counter()
        sender = asyncio.create_task(speak_in_real_time(ws.send, pcm, started=started))
        reply_turns: dict[int, float] = {}  # reply turn -> first audio, stream time
        async with asyncio.timeout(duration_s + 30):
            while True:
                try:
                    frame = json.loads(await ws.recv())
                except websockets.ConnectionClosed:
                    break  # the interviewer closed the interview after its reply: measured already
                now = time.perf_counter() - started
                kind = frame["type"]
                if kind == "speech_ended" and not frame.get("ignored"):
                    outcome.decisions.append(now)
                elif kind == "speech_started" and frame.get("continues_turn") is not None:
                    outcome.continued += 1
                elif kind == "ai_audio_chunk":
                    reply_turns.setdefault(frame["turn"], now)
                elif kind == "ai_audio_end" and frame.get("reason") == "withdrawn":
                    outcome.withdrawn += 1
                    reply_turns.pop(frame["turn"], None)
                elif kind == "ai_audio_end" and reply_turns.get(frame["turn"], 0.0) > speech_end:
                    break  # the reply to the whole answer has been sent
        try:
            await sender
        except websockets.ConnectionClosed:
            pass  # the rest of the recording had nobody to go to
    outcome.reply_audio_s = sorted(reply_turns.values())
    exported = json.loads(server.manage("export_interview", str(interview["id"])))
    outcome.candidate_turns = sum(1 for turn in exported["turns"] if turn["speaker"] == "candidate")
    return outcome


def start_server(data_dir: Path) -> Any:
    from interviews.testing.live import LiveServer

    for key in KEYS:
        os.environ.pop(key, None)  # no keys: every stage runs on its local engine
    server = LiveServer(data_dir=data_dir, env={"WARM_PROVIDERS": "1"}).prepare()
    # One hands-free template per scenario, whose first question is the one the scenario answers.
    rows = [(f"eot-{i}", scenario.language, scenario.question) for i, scenario in enumerate(SCRIPT)]
    server.manage(
        "shell",
        "-c",
        "from interviews.models import InterviewTemplate, TemplateQuestion\n"
        f"for slug, language, question in {rows!r}:\n"
        "    t = InterviewTemplate.objects.create(slug=slug, title='Endpointing', role='Backend Engineer',"
        " language=language, hands_free=True, time_limit_minutes=20)\n"
        "    TemplateQuestion.objects.create(template=t, position=0, text=question, follow_up_depth=1)\n"
        # A second question, so that whatever the interviewer makes of the answer it is no closing.
        "    TemplateQuestion.objects.create(template=t, position=1, text=question, follow_up_depth=1)\n",
    )
    return server.start()


async def main(repeats: int) -> dict:
    tts = LocalTextToSpeech()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
            for repeat in range(repeats):
                for number, scenario in enumerate(SCRIPT):
                    # Piper varies a little each time.
                    pcm, speech_end, pauses = await render(tts, scenario.parts, scenario.language)
                    outcome = await run_one(server, scenario, f"eot-{number}", pcm, speech_end, pauses)
                    outcomes.append(outcome)
                    name = scenario.name
                    print(
                        f"[{repeat + 1}/{repeats}] {name}: decisions {[round(d, 2) for d in outcome.decisions]} "
                        f"speech end {speech_end:.2f} continued {outcome.continued} "
                        f"replies heard at {[round(r, 2) for r in outcome.reply_audio_s]} "
                        f"candidate turns {outcome.candidate_turns}",
                        file=sys.stderr,
                    )
        finally:
            server.stop()
    return analyse(outcomes)


def _early(o: Outcome) -> int:
    return sum(1 for d in o.decisions if d <= o.speech_end_s)


def _audible(o: Outcome) -> int:
    return sum(1 for r in o.reply_audio_s if r <= o.speech_end_s)


def analyse(outcomes: list[Outcome]) -> dict:
    delays, reply_delays = [], []
    for o in outcomes:
        final = [d for d in o.decisions if d > o.speech_end_s]
        if final:
            delays.append(final[0] - o.speech_end_s)
        heard = [r for r in o.reply_audio_s if r > o.speech_end_s]
        if heard:
            reply_delays.append(heard[0] - o.speech_end_s)
    pauses_total = sum(len(o.pauses) for o in outcomes)
    per_scenario = {}
    for name in [scenario.name for scenario in SCRIPT]:
        mine = [o for o in outcomes if o.name == name]
        gaps = [end - start for o in mine for start, end in o.pauses]
        scenario_delays = [
            next(d for d in o.decisions if d > o.speech_end_s) - o.speech_end_s
            for o in mine
            if any(d > o.speech_end_s for d in o.decisions)
        ]
        scenario_heard = [
            next(r for r in o.reply_audio_s if r > o.speech_end_s) - o.speech_end_s
            for o in mine
            if any(r > o.speech_end_s for r in o.reply_audio_s)
        ]
        per_scenario[name] = {
            "silence_inside_s": round(statistics.mean(gaps), 2) if gaps else None,
            "delay_s_median": round(statistics.median(scenario_delays), 2) if scenario_delays else None,
            "heard_s_median": round(statistics.median(scenario_heard), 2) if scenario_heard else None,
            "early_decisions": sum(_early(o) for o in mine),
            "recovered": sum(o.continued for o in mine),
            "audible_cuts": sum(_audible(o) for o in mine),
            "split_answers": sum(1 for o in mine if o.candidate_turns > 1),
            "runs": len(mine),
        }
    audible = sum(_audible(o) for o in outcomes)
    per_kind = {}
    for kind in ("finished", "short", "pause"):
        mine = [o for o in outcomes if o.kind == kind]
        heard = [
            next(r for r in o.reply_audio_s if r > o.speech_end_s) - o.speech_end_s
            for o in mine
            if any(r > o.speech_end_s for r in o.reply_audio_s)
        ]
        per_kind[kind] = {
            "heard_s": _spread(heard),
            "audible_cuts": sum(_audible(o) for o in mine),
            "withdrawn": sum(o.withdrawn for o in mine),
            "runs": len(mine),
        }
    return {
        "per_kind": per_kind,
        "answers": len(outcomes),
        "pauses_inside_answers": pauses_total,
        "early_decisions": sum(_early(o) for o in outcomes),
        "recovered": sum(o.continued for o in outcomes),
        "audible_cuts": audible,
        "audible_cut_rate_per_pause": round(audible / pauses_total, 3) if pauses_total else 0.0,
        "split_answers": sum(1 for o in outcomes if o.candidate_turns > 1),
        "answers_never_ended": sum(1 for o in outcomes if not any(d > o.speech_end_s for d in o.decisions)),
        "delay_s": _spread(delays),
        "reply_first_audio_s": _spread(reply_delays),
        "per_scenario": per_scenario,
    }


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "p50": round(statistics.median(values), 2),
        "p90": round(float(np.percentile(values, 90)), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", nargs="+", metavar="SCENARIO", help="run only these scenarios (by name)")
    args = parser.parse_args()
    if args.only:
        unknown = set(args.only) - {scenario.name for scenario in SCRIPT}
        if unknown:
            parser.error(f"no such scenario: {', '.join(sorted(unknown))}")
        SCRIPT[:] = [scenario for scenario in SCRIPT if scenario.name in args.only]
    import django

    django.setup()
    result = asyncio.run(main(args.repeats))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"answers: {result['answers']}, pauses inside answers: {result['pauses_inside_answers']}")
        print(
            f"early decisions: {result['early_decisions']}, of which recovered (reply withdrawn, answer "
            f"continued): {result['recovered']}"
        )
        print(f"audible cuts: {result['audible_cuts']} ({result['audible_cut_rate_per_pause']:.1%} of pauses)")
        print(f"answers stored split: {result['split_answers']}, never ended: {result['answers_never_ended']}")
        for key, label in (
            ("delay_s", "end of speech -> answer ended"),
            ("reply_first_audio_s", "end of speech -> reply's first audio"),
        ):
            if (spread := result[key]) is not None:
                print(f"{label}: p50 {spread['p50']} s, p90 {spread['p90']} s, range {spread['min']}-{spread['max']} s")
        for kind, row in result["per_kind"].items():
            heard = row["heard_s"] or {}
            print(
                f"{kind:9} reply heard after the last word: p50 {heard.get('p50')} s, p90 {heard.get('p90')} s; "
                f"audible cuts {row['audible_cuts']}, replies withdrawn {row['withdrawn']} (/{row['runs']} answers)"
            )
        header = (
            f"{'scenario':26} {'silence s':>9} {'delay s':>8} {'heard s':>8} {'early':>6} {'recovered':>9} "
            f"{'audible':>8} {'split':>6}"
        )
        print(header)
        for name, row in result["per_scenario"].items():
            print(
                f"{name:26} {row['silence_inside_s']!s:>9} {row['delay_s_median']!s:>8} {row['heard_s_median']!s:>8} "
                f"{row['early_decisions']:>6} "
                f"{row['recovered']:>9} {row['audible_cuts']:>8} {row['split_answers']:>6}   /{row['runs']}"
            )
