"""CLI: run the fake OpenAI and ElevenLabs servers in the foreground and print the env to use them."""

from __future__ import annotations

import argparse
import threading

from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.env import cloud_env
from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.fakes.profiles import PROFILES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m interviews.testing.fakes.serve", description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="instant")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--openai-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--elevenlabs-port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)

    profile = PROFILES[args.profile]
    with (
        FakeOpenAI(host=args.host, port=args.openai_port) as openai,
        FakeElevenLabs(host=args.host, port=args.elevenlabs_port) as elevenlabs,
    ):
        # As defaults, the profile survives `POST /_fake/reset` between benchmark runs.
        openai.set_defaults(**profile.openai_config())
        elevenlabs.set_defaults(**profile.elevenlabs_config())
        env = {
            **cloud_env(openai, elevenlabs),
            "FAKE_OPENAI_CONTROL_URL": openai.root_url,
            "FAKE_ELEVENLABS_CONTROL_URL": elevenlabs.root_url,
        }
        for key, value in env.items():
            print(f"{key}={value}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
