"""Run one fake provider (OpenAI or ElevenLabs) in its own process with a latency profile.

Each fake gets its own process (and GIL) so that, under hundreds of sessions, one fake's work never
delays the other's timers: the benchmark measures the app's overhead, not the fakes' contention.
Prints `ROOT_URL=...` and `BASE_URL=...`, then serves until killed or until --max-seconds pass.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.fakes.profiles import PROFILES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["openai", "elevenlabs"])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="realistic")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop by itself after this long")
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    if args.kind == "openai":
        server: FakeOpenAI | FakeElevenLabs = FakeOpenAI()
        defaults = profile.openai_config()
    else:
        server = FakeElevenLabs()
        defaults = profile.elevenlabs_config()
    with server:
        server.set_defaults(**defaults)
        print(f"ROOT_URL={server.root_url}", flush=True)
        print(f"BASE_URL={server.base_url}", flush=True)
        threading.Event().wait(args.max_seconds)


if __name__ == "__main__":
    main()
