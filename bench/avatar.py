"""The interviewer's 3D head: what it adds to the page's first load, how soon it draws, how fast it
draws, and whether the interview starts any later because of it.

Headless Debian Chromium (the browser tests' flags; WebGL through SwiftShader, as on a machine without
a GPU) against two real daphne processes on the fake providers: one with the bundled head, one with
AVATAR_MODEL_URL=none (the 2D face only, as before issue #17). Each run is a fresh browser context
(empty cache) opening a consented interview's page:

- bytes: every response the page received before joining, summed (raw, as whitenoise serves them
  here), and the same files gzipped (-6, what a compressing proxy would send);
- page ready: from navigation start to interview.js having run (the join button works);
- head shown: from navigation start to the 3D head's first frame (it then replaces the 2D face);
- longest task: the longest main-thread task (Long Tasks API, >= 50 ms) before joining;
- join -> session_state, join -> greeting plays: from the click on "Join" (made as soon as the page
  is ready: the worst case for the 3D head, still loading; and, for the 3D page, again after the head
  is shown, as when the candidate reads the join screen first);
- frame rate: frames the head drew in 5 s while the interviewer speaks, at the page's own cap for a
  software renderer (15/s while speaking), and uncapped; with the time render() takes on the main
  thread (SwiftShader rasterises in the GPU process, so this is only the main thread's share).

    .venv/bin/python bench/avatar.py [--repeats 3] [--out bench/results/avatar.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_project.settings")

WAIT_MS = 30_000
FPS_WINDOW_MS = 5_000
# Runs in every document before its own scripts: when interview.js publishes window.__interview (its
# last step before binding the join button), and every long main-thread task.
PROBE = """
window.__bench = { longTasks: [] };
Object.defineProperty(window, "__interview", {
  configurable: true,
  get() { return window.__bench.interview; },
  set(value) { window.__bench.interview = value; window.__bench.readyAt = performance.now(); },
});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__bench.longTasks.push([entry.startTime, entry.duration]);
}).observe({ type: "longtask", buffered: true });
"""
JOIN = """async () => {
  const clicked = performance.now();
  document.querySelector("#join-button").click();
  const stats = window.__interview.stats;
  while (!stats.playbackStarted.length) {
    if (stats.sessionStates && !window.__bench.sessionAt) window.__bench.sessionAt = performance.now();
    if (performance.now() - clicked > 30000) throw new Error("no greeting in 30 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const sessionAt = window.__bench.sessionAt || performance.now();
  return { session: sessionAt - clicked, greeting: performance.now() - clicked };
}"""
FRAMES = """async (ms) => {
  const head = window.__interview.avatar.head;
  const before = head.stats.frames;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { fps: (head.stats.frames - before) / (ms / 1000), renderMs: head.stats.renderMs };
}"""


def file_name(url: str) -> str:
    """A static file's path, or "page" for the interview page (its token differs on every run)."""
    return url.split("/static/")[-1] if "/static/" in url else "page"


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def open_page(browser: Any, server: Any, *, bodies: dict[str, bytes]) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 820}, locale="en-US")
    context.grant_permissions(["microphone"])
    context.add_init_script(PROBE)
    page = context.new_page()

    def keep(response: Any) -> None:
        # blob: URLs are the GLB's own texture, decoded from bytes already counted: not a download.
        if response.status == 200 and response.request.method == "GET" and response.url.startswith("http"):
            try:
                bodies[response.url] = response.body()
            except Exception:  # a streamed or aborted body (the socket, media)
                pass

    page.on("response", keep)
    token = server.create_interview(candidate="Bench")["token"]
    page.goto(f"{server.url}/i/{token}/live/")
    page.wait_for_function("() => window.__bench.readyAt !== undefined", timeout=WAIT_MS)
    return context, page


def one_run(browser: Any, server: Any, *, head: bool, wait_for_head: bool) -> dict[str, Any]:
    bodies: dict[str, bytes] = {}
    context, page = open_page(browser, server, bodies=bodies)
    try:
        result: dict[str, Any] = {"ready_ms": page.evaluate("() => window.__bench.readyAt")}
        if head and wait_for_head:
            kind = page.evaluate("() => window.__interview.avatar.ready")
            assert kind == "3d", kind
            result["head_shown_ms"] = page.evaluate("() => window.__interview.avatar.shownAt")
            result["first_frame_after_load_ms"] = page.evaluate(
                "() => window.__interview.avatar.head.stats.firstFrameMs"
            )
            # Everything the page fetched before joining (the socket and the voice come after).
            page.wait_for_timeout(300)
            result["bytes_raw"] = sum(len(body) for body in bodies.values())
            result["bytes_gzip"] = sum(gzipped_size(body) for body in bodies.values())
            result["files"] = {file_name(url): len(body) for url, body in bodies.items()}
        elif not head:
            page.wait_for_timeout(300)
            result["bytes_raw"] = sum(len(body) for body in bodies.values())
            result["bytes_gzip"] = sum(gzipped_size(body) for body in bodies.values())
            result["files"] = {file_name(url): len(body) for url, body in bodies.items()}
        result["longest_task_before_join_ms"] = page.evaluate(
            "() => Math.max(0, ...window.__bench.longTasks.map(([, duration]) => duration))"
        )
        result.update({f"join_to_{k}_ms": v for k, v in page.evaluate(JOIN).items()})
        if head:
            if not wait_for_head:
                page.wait_for_function("() => window.__interview.avatar.kind === '3d'", timeout=WAIT_MS)
                result["head_shown_ms"] = page.evaluate("() => window.__interview.avatar.shownAt")
            capped = page.evaluate(FRAMES, FPS_WINDOW_MS)
            page.evaluate("() => { window.__interview.avatar.head.maxFps = Infinity; }")
            uncapped = page.evaluate(FRAMES, FPS_WINDOW_MS)
            result.update(
                fps_capped=capped["fps"],
                fps_uncapped=uncapped["fps"],
                render_ms=uncapped["renderMs"],
                software=page.evaluate("() => window.__interview.avatar.head.stats.software"),
            )
        return result
    finally:
        context.close()


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
    from interviews.testing.fakes.env import cloud_env
    from interviews.testing.fakes.openai_server import FakeOpenAI
    from interviews.testing.live import live_server
    from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

    scenarios = {
        "3d, join at once": {"head": True, "wait_for_head": False},
        "3d, join after the head shows": {"head": True, "wait_for_head": True},
        "2d only (AVATAR_MODEL_URL=none)": {"head": False, "wait_for_head": False},
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in scenarios}
    started = time.time()
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeOpenAI() as fake_openai,
        FakeElevenLabs() as fake_elevenlabs,
    ):
        fake_openai.configure(
            chat_replies=["Hello and welcome. Could you start by telling me about a system you built?"]
        )
        env = cloud_env(fake_openai, fake_elevenlabs)
        with (
            live_server(data_dir=Path(folder) / "3d", env=env) as with_head,
            live_server(data_dir=Path(folder) / "2d", env={**env, "AVATAR_MODEL_URL": "none"}) as without_head,
            sync_playwright() as playwright,
        ):
            for server in (with_head, without_head):
                server.set_hands_free("backend-engineer-en", False)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # One unmeasured run on each server first: its first socket, template and database reads.
            one_run(browser, with_head, head=True, wait_for_head=True)
            one_run(browser, without_head, head=False, wait_for_head=False)
            for repeat in range(args.repeats):
                for name, options in scenarios.items():  # interleaved, so load on the machine spreads evenly
                    server = with_head if options["head"] else without_head
                    result = one_run(browser, server, **options)
                    runs[name].append(result)
                    print(f"run {repeat + 1} {name}: {json.dumps({k: v for k, v in result.items() if k != 'files'})}")
            browser.close()
    files_3d = next(run["files"] for run in runs["3d, join after the head shows"])
    files_2d = next(run["files"] for run in runs["2d only (AVATAR_MODEL_URL=none)"])
    added = {name: size for name, size in files_3d.items() if name not in files_2d}
    print(f"\n{args.repeats} runs each, median (min-max), ms unless stated; {time.time() - started:.0f} s in all\n")
    print("| | page ready | head shown | longest task before join | join -> session_state | join -> greeting plays |")
    print("|---|---|---|---|---|---|")
    for name, results in runs.items():
        cells = [
            summary([r["ready_ms"] for r in results]),
            summary([r["head_shown_ms"] for r in results if "head_shown_ms" in r]),
            summary([r["longest_task_before_join_ms"] for r in results]),
            summary([r["join_to_session_ms"] for r in results]),
            summary([r["join_to_greeting_ms"] for r in results]),
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    head_runs = [r for name in list(scenarios)[:2] for r in runs[name]]
    print(
        f"\nframes/s while speaking: capped {summary([r['fps_capped'] for r in head_runs])}, uncapped "
        f"{summary([r['fps_uncapped'] for r in head_runs])}; render() on the main thread "
        f"{statistics.median(r['render_ms'] for r in head_runs):.2f} ms; software renderer: "
        f"{head_runs[0]['software']}"
    )
    first_frames = [r["first_frame_after_load_ms"] for r in runs["3d, join after the head shows"]]
    print(f"first frame after the head's load started: {summary(first_frames)}")
    raw_3d = statistics.median(r["bytes_raw"] for r in runs["3d, join after the head shows"])
    raw_2d = statistics.median(r["bytes_raw"] for r in runs["2d only (AVATAR_MODEL_URL=none)"])
    gz_3d = statistics.median(r["bytes_gzip"] for r in runs["3d, join after the head shows"])
    gz_2d = statistics.median(r["bytes_gzip"] for r in runs["2d only (AVATAR_MODEL_URL=none)"])
    print(
        f"\nfirst load: {raw_2d:,.0f} -> {raw_3d:,.0f} bytes raw (+{raw_3d - raw_2d:,.0f}), "
        f"{gz_2d:,.0f} -> {gz_3d:,.0f} gzipped (+{gz_3d - gz_2d:,.0f})"
    )
    for name, size in sorted(added.items(), key=lambda item: -item[1]):
        print(f"  + {name}: {size:,}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"runs": runs, "added_files": added}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
