"""The interviewer's 3D head in headless Chromium (SwiftShader): it loads while the candidate reads the
join screen, its mouth follows the interviewer's voice and rests when the voice stops, the 2D face
stays without WebGL or without the model, and a recruiter's own GLB (Ready Player Me visemes) works by
one setting."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from interviews.audio import RECOGNITION_RATE, decode_to_pcm, encode_mp3, resample_pcm
from interviews.testing.fakes.elevenlabs_server import FakeElevenLabs
from interviews.testing.fakes.env import cloud_env
from interviews.testing.fakes.openai_server import FakeOpenAI
from interviews.testing.live import LiveServer, live_server
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
GREETING = "Hello and welcome. Could you start by telling me about a system you built?"
WAIT_MS = 20_000
# The shapes the lip-sync drives on the bundled head; at rest they are all 0.
MOUTH = [
    "jawopen",
    "mouthfunnel",
    "mouthpucker",
    "mouthstretchleft",
    "mouthstretchright",
    "mouthlowerdownleft",
    "mouthlowerdownright",
    "mouthupperupleft",
    "mouthupperupright",
]
# Sample the head's shape weights every 40 ms for `ms` while the interviewer speaks.
SAMPLE = """async ([keys, ms]) => {
  const head = window.__interview.avatar.head;
  const samples = Object.fromEntries(keys.map((key) => [key, []]));
  for (const end = performance.now() + ms; performance.now() < end; ) {
    const now = head.influences();
    for (const key of keys) samples[key].push(now[key] ?? null);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  return samples;
}"""

# The head's pose (its height in m and rotation as a quaternion), every 40 ms for `ms`.
POSE = """async (ms) => {
  const head = window.__interview.avatar.head;
  const poses = [];
  for (const end = performance.now() + ms; performance.now() < end; ) {
    poses.push(head.pose());
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  return poses;
}"""


def movement(poses: list[list[float]]) -> float:
    """How far the head's pose went over the samples: the largest range of any of its components."""
    values = np.array(poses)
    return float((values.max(axis=0) - values.min(axis=0)).max())


def speech(text: str) -> np.ndarray:
    """`text` spoken by espeak-ng, as 16 kHz float PCM: syllables for the mouth to follow."""
    espeak = shutil.which("espeak-ng") or shutil.which("espeak")
    if espeak is None:
        pytest.skip("espeak-ng is needed for the interviewer's voice")
    result = subprocess.run([espeak, "--stdout", "-s", "150", text], check=True, capture_output=True, timeout=30)
    return decode_to_pcm(result.stdout)


@pytest.fixture
def spoken_greeting(fake_openai: FakeOpenAI, fake_elevenlabs: FakeElevenLabs) -> str:
    """The interviewer greets in a real (synthetic) voice rather than the fake's steady tone."""
    voice = speech(GREETING)
    fake_elevenlabs.speech_mp3 = encode_mp3(resample_pcm(voice, rate=RECOGNITION_RATE, to_rate=44100), rate=44100)
    fake_openai.configure(chat_replies=[GREETING])
    return GREETING


@contextmanager
def chromium(*extra_args: str, reduced_motion: str = "no-preference") -> Iterator[object]:
    """The suite's headless Chromium (tests/browser/chromium.py's flags), with `extra_args`."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )
        context = browser.new_context(
            viewport={"width": 1100, "height": 820}, locale="en-US", reduced_motion=reduced_motion
        )
        context.grant_permissions(["microphone"])
        try:
            yield context
        finally:
            context.close()
            browser.close()


@contextmanager
def server_with(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_elevenlabs: FakeElevenLabs, **env: str
) -> Iterator[LiveServer]:
    with live_server(data_dir=tmp_path / "data", env={**cloud_env(fake_openai, fake_elevenlabs), **env}) as server:
        server.set_hands_free("backend-engineer-en", False)  # the greeting, then the page waits
        yield server


class Watched:
    """A page whose console errors, page errors and failed requests are kept, and its info lines."""

    def __init__(self, context: object) -> None:
        self.page = context.new_page()
        self.problems: list[str] = []
        self.info: list[str] = []
        self.failed: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.response: object = None

    def _console(self, message: object) -> None:
        if message.type == "error":
            self.problems.append(message.text)
        elif message.type == "info":
            self.info.append(message.text)

    def open(self, server: LiveServer) -> object:
        token = server.create_interview(candidate="Ava Tar")["token"]
        self.response = self.page.goto(f"{server.url}/i/{token}/live/")
        return self.page


def avatar(page: object, expression: str) -> object:
    return page.evaluate(f"() => window.__interview.avatar.{expression}")


def greet(page: object) -> None:
    """Join, and wait until the interviewer's greeting is playing."""
    from playwright.sync_api import expect

    page.click("#join-button")
    expect(page.locator("#subtitle-ai .text")).to_have_text(GREETING, timeout=WAIT_MS)
    expect(page.locator("#activity")).to_have_attribute("data-state", "speaking", timeout=WAIT_MS)


def test_the_head_loads_on_the_join_screen_and_its_mouth_follows_the_voice(
    daphne_server: LiveServer, spoken_greeting: str, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    daphne_server.set_hands_free("backend-engineer-en", False)
    with chromium() as context:
        watched = Watched(context)
        page = watched.open(daphne_server)
        # Loaded and drawn while the join screen is still up: joining does not wait for it.
        assert page.evaluate("() => window.__interview.avatar.ready") == "3d"
        assert page.locator("#join").is_visible()
        assert avatar(page, "head.stats.mode") == "arkit"
        assert avatar(page, "head.stats.frames") >= 1  # its first frame, drawn while hidden
        assert avatar(page, "head.camera.fov") == 50
        # Shown once in the page's corner on the join screen (so joining does not pay for the first
        # composite), then back in its place in the stage.
        assert page.evaluate("() => document.querySelector('#avatar-3d').parentElement.className") == "interviewer"
        assert page.evaluate("() => document.querySelectorAll('.avatar-warming').length") == 0
        greet(page)
        expect(page.locator("#avatar-3d")).to_be_visible()
        expect(page.locator("#avatar")).to_be_hidden()
        samples = page.evaluate(SAMPLE, [MOUTH, 2000])
        page.screenshot(path=str(screenshots / "avatar-01-speaking.png"), full_page=True)
        jaw = [value for value in samples["jawopen"] if value is not None]
        # The jaw opens and closes with the syllables, not once.
        assert max(jaw) > 0.15, jaw
        assert max(jaw) - min(jaw) > 0.1, jaw
        # The spectrum reaches the lips: rounded ("oo") and spread ("ee") both happen.
        assert max(samples["mouthfunnel"]) > 0.05, samples["mouthfunnel"]
        assert max(samples["mouthstretchleft"]) > 0.05, samples["mouthstretchleft"]
        # When the voice stops, the mouth rests.
        expect(page.locator("#activity")).to_have_attribute("data-state", "listening", timeout=WAIT_MS)
        page.wait_for_function(
            "(keys) => { const now = window.__interview.avatar.head.influences();"
            " return keys.every((key) => now[key] < 0.02); }",
            arg=MOUTH,
            timeout=3000,
        )
        frames = avatar(page, "head.stats.frames")
        page.wait_for_timeout(500)
        assert avatar(page, "head.stats.frames") > frames  # still drawing: blinking, breathing
        page.screenshot(path=str(screenshots / "avatar-02-listening.png"), full_page=True)
        # Idle, the head breathes and sways a little (millimetres, hundredths of a radian).
        assert movement(page.evaluate(POSE, 1500)) > 5e-4
        assert watched.problems == [], watched.problems
        assert watched.failed == [], watched.failed


def test_with_reduced_motion_the_head_keeps_still_but_still_speaks_and_blinks(
    daphne_server: LiveServer, spoken_greeting: str
) -> None:
    from playwright.sync_api import expect

    daphne_server.set_hands_free("backend-engineer-en", False)
    with chromium(reduced_motion="reduce") as context:
        watched = Watched(context)
        page = watched.open(daphne_server)
        assert page.evaluate("() => window.__interview.avatar.ready") == "3d"
        assert avatar(page, "head.reducedMotion") is True
        greet(page)
        jaw = page.evaluate(SAMPLE, [["jawopen"], 1500])["jawopen"]
        assert max(jaw) > 0.15, jaw  # the mouth still follows the voice
        expect(page.locator("#activity")).to_have_attribute("data-state", "listening", timeout=WAIT_MS)
        # No breathing, sway or nods: once it has settled into listening, its pose does not change.
        page.wait_for_timeout(2000)
        assert movement(page.evaluate(POSE, 1500)) < 5e-5
        assert watched.problems == [], watched.problems


def test_without_webgl_the_2d_face_stays_and_nothing_alarming_is_said(
    daphne_server: LiveServer, spoken_greeting: str, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    daphne_server.set_hands_free("backend-engineer-en", False)
    with chromium("--disable-webgl", "--disable-3d-apis") as context:
        watched = Watched(context)
        page = watched.open(daphne_server)
        assert page.evaluate("() => window.__interview.avatar.ready") == "2d"
        greet(page)
        expect(page.locator("#avatar")).to_be_visible()
        expect(page.locator("#avatar-3d")).to_be_hidden()
        page.wait_for_function("() => window.__interview.stats.maxPlaybackLevel > 0.05", timeout=WAIT_MS)
        page.screenshot(path=str(screenshots / "avatar-03-no-webgl.png"), full_page=True)
        expect(page.locator("#errors")).to_be_empty()
        assert any("2D face" in line for line in watched.info), watched.info
        assert watched.problems == [], watched.problems


@pytest.mark.parametrize(
    ("model_url", "failure"),
    [("/static/interviews/avatar/missing.glb", "404"), ("/static/interviews/style.css", "not a GLB")],
    ids=["missing", "not-a-glb"],
)
def test_a_model_that_does_not_load_leaves_the_2d_face_quietly(
    tmp_path: Path,
    fake_openai: FakeOpenAI,
    fake_elevenlabs: FakeElevenLabs,
    spoken_greeting: str,
    model_url: str,
    failure: str,
) -> None:
    from playwright.sync_api import expect

    with (
        server_with(tmp_path, fake_openai, fake_elevenlabs, AVATAR_MODEL_URL=model_url) as server,
        chromium() as context,
    ):
        watched = Watched(context)
        page = watched.open(server)
        assert page.evaluate("() => window.__interview.avatar.ready") == "2d"
        greet(page)
        expect(page.locator("#avatar")).to_be_visible()
        expect(page.locator("#avatar-3d")).to_be_hidden()
        expect(page.locator("#errors")).to_be_empty()
        assert any("2D face" in line for line in watched.info), watched.info
        # The browser itself reports the failed request; the page adds nothing.
        expected = ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
        assert watched.problems == (expected if failure == "404" else []), watched.problems


# --- a recruiter's own model -----------------------------------------------------------------------


def build_script() -> ModuleType:
    """scripts/build_avatar.py, for its GLB writer."""
    spec = importlib.util.spec_from_file_location("build_avatar", ROOT / "scripts" / "build_avatar.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


READY_PLAYER_ME_SHAPES = [
    "viseme_sil", "viseme_PP", "viseme_FF", "viseme_TH", "viseme_DD", "viseme_kk", "viseme_CH", "viseme_SS",
    "viseme_nn", "viseme_RR", "viseme_aa", "viseme_E", "viseme_I", "viseme_O", "viseme_U",
    "eyeBlinkLeft", "eyeBlinkRight", "mouthSmile",
]  # fmt: skip


def ready_player_me_style_glb(path: Path) -> Path:
    """A stand-in for a Ready Player Me export: a standing figure 1.75 m tall whose head mesh
    ("Wolf3D_Head") has the Oculus visemes and blinks, a body mesh without shapes, and a textured head
    (three.js decodes an embedded texture from a blob: URL, which the policy must allow)."""
    build = build_script()
    glb = build.Glb()
    unit, triangles, _ = build.uv_sphere([0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.4, 2.8], segments=16)
    head = unit * np.array([0.075, 0.11, 0.09]) + np.array([0.0, 1.64, 0.0])
    lower_face = ((unit[:, 1] < -0.1) & (unit[:, 2] > 0.3)).astype(float)[:, None]
    front = (unit[:, 2] > 0.3).astype(float)[:, None]
    moves = {
        "viseme_aa": lower_face * [0, -0.012, 0],
        "viseme_O": lower_face * unit * [-0.01, -0.006, 0],
        "viseme_U": lower_face * unit * [-0.012, 0, 0.004],
        "viseme_E": lower_face * unit * [0.01, -0.004, 0],
        "viseme_I": lower_face * unit * [0.012, 0, 0],
        "viseme_SS": lower_face * [0, -0.003, 0],
        "eyeBlinkLeft": front * (unit[:, [0]] > 0) * [0, -0.004, 0],
        "eyeBlinkRight": front * (unit[:, [0]] < 0) * [0, -0.004, 0],
    }
    targets = [
        {"POSITION": glb.sparse_vec3(np.asarray(moves.get(name, np.zeros_like(head))))}
        for name in READY_PLAYER_ME_SHAPES
    ]
    texture = build.encode_png(np.full((4, 4, 3), (214, 170, 140), dtype=np.uint8))
    body = np.array([[x, y, z] for x in (-0.2, 0.2) for y in (0.0, 1.5) for z in (-0.12, 0.12)])
    box = np.array(
        [
            [0, 1, 3],
            [0, 3, 2],
            [4, 6, 7],
            [4, 7, 5],
            [0, 4, 5],
            [0, 5, 1],
            [2, 3, 7],
            [2, 7, 6],
            [0, 2, 6],
            [0, 6, 4],
            [1, 5, 7],
            [1, 7, 3],
        ]
    )
    uv = np.stack([(np.arctan2(unit[:, 0], unit[:, 2]) / (2 * np.pi)) % 1, (1 - unit[:, 1]) / 2], axis=1)
    document = {
        "asset": {"version": "2.0", "generator": "tests/browser/test_avatar_e2e.py"},
        "scene": 0,
        "scenes": [{"nodes": [0, 1]}],
        "nodes": [{"name": "Wolf3D_Head", "mesh": 0}, {"name": "Wolf3D_Body", "mesh": 1}],
        "meshes": [
            {
                "name": "Wolf3D_Head",
                "primitives": [
                    {
                        "attributes": {
                            "POSITION": glb.vec3(head),
                            "NORMAL": glb.vec3(unit),
                            "TEXCOORD_0": glb.vec2(uv),
                        },
                        "indices": glb.indices(triangles, len(head)),
                        "material": 0,
                        "targets": targets,
                    }
                ],
                "weights": [0.0] * len(READY_PLAYER_ME_SHAPES),
                "extras": {"targetNames": READY_PLAYER_ME_SHAPES},
            },
            {
                "name": "Wolf3D_Body",
                "primitives": [
                    {"attributes": {"POSITION": glb.vec3(body)}, "indices": glb.indices(box, 8), "material": 1}
                ],
            },
        ],
        "materials": [
            {"name": "Wolf3D_Skin", "pbrMetallicRoughness": {"baseColorTexture": {"index": 0}, "metallicFactor": 0}},
            {
                "name": "Wolf3D_Outfit",
                "pbrMetallicRoughness": {"baseColorFactor": [0.2, 0.3, 0.5, 1], "metallicFactor": 0},
            },
        ],
        "textures": [{"source": 0}],
        "images": [{"bufferView": glb.view(texture), "mimeType": "image/png"}],
    }
    glb.write(document, path)
    return path


class CorsHandler(SimpleHTTPRequestHandler):
    """Static files for any origin, as a model host must serve them to the interview page."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def model_host(folder: Path) -> Iterator[str]:
    """A second origin serving `folder`; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(CorsHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_ready_player_me_model_by_one_setting_is_framed_and_speaks_with_its_visemes(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_elevenlabs: FakeElevenLabs, spoken_greeting: str, screenshots: Path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    ready_player_me_style_glb(models / "avatar.glb")
    with model_host(models) as host:
        url = f"{host}/avatar.glb"
        env = {"AVATAR_MODEL_URL": url, "AVATAR_CAMERA_POSITION": "0,-0.12,0.5", "AVATAR_CAMERA_FOV": "40"}
        with server_with(tmp_path, fake_openai, fake_elevenlabs, **env) as server, chromium() as context:
            watched = Watched(context)
            page = watched.open(server)
            # The settings reach the page, and the model's host is allowed to be fetched from.
            config = page.evaluate("() => window.__interview.config.avatar")
            assert config == {"url": url, "cameraPosition": [0, -0.12, 0.5], "cameraFov": 40}
            policy = watched.response.headers["content-security-policy"]
            connect_src = next(part for part in policy.split(";") if part.strip().startswith("connect-src"))
            assert host in connect_src.split(), policy
            assert page.evaluate("() => window.__interview.avatar.ready") == "3d"
            assert avatar(page, "head.stats.mode") == "visemes"
            assert avatar(page, "head.camera.fov") == 40
            # Framed on the head (the mesh with the mouth shapes), not the 1.75 m figure: the camera
            # stands 0.12 m under its crown (1.75 m) and 0.5 m in front of its face (0.09 m).
            position = avatar(page, "head.camera.position.toArray()")
            assert position == pytest.approx([0.0, 1.75 - 0.12, 0.09 + 0.5], abs=0.005)
            greet(page)
            samples = page.evaluate(SAMPLE, [["visemeaa", "visemeo", "visemee", "visemei", "visemeu"], 2000])
            page.screenshot(path=str(screenshots / "avatar-04-own-model.png"), full_page=True)
            assert max(samples["visemeaa"]) > 0.1, samples["visemeaa"]
            assert max(samples["visemeaa"]) - min(samples["visemeaa"]) > 0.1, samples["visemeaa"]
            assert max(samples["visemeo"] + samples["visemeu"]) > 0.05, samples
            assert max(samples["visemee"] + samples["visemei"]) > 0.05, samples
            assert "jawopen" not in avatar(page, "head.influences()")
            assert watched.problems == [], watched.problems
            assert watched.failed == [], watched.failed
