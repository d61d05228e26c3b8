"""Vendor three.js into static/interviews/vendor/three/ from the npm registry's tarball, by version.

Five files of the package are enough to load and draw a GLB: build/three.module.js and build/three.core.js
(the library), examples/jsm/loaders/GLTFLoader.js and the two helpers it imports. They are copied with the
package's own layout, and one mechanical change: the addons' bare `from 'three'` becomes a relative path
to build/three.module.js, so the browser needs no import map (an inline script, which the page's
Content-Security-Policy forbids). Everything else is byte for byte the package's; README.md records the
sha256 of every file before and after.

Refresh (no Node needed; run by hand, never at install or run time):

    .venv/bin/python scripts/vendor_three.py --version 0.188.0 --integrity sha512-...

`--integrity` is the `dist.integrity` of that version in the registry's metadata
(https://registry.npmjs.org/three/<version>), or what `npm view three@<version> dist.integrity` prints.
`--tarball` takes a file from `npm pack three@<version>` instead of downloading it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import posixpath
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESTINATION = ROOT / "static" / "interviews" / "vendor" / "three"
VERSION = "0.187.0"
# dist.integrity of three@0.187.0 in the npm registry.
INTEGRITY = "sha512-Qiu7R+Cmh8CstZsY1uJOSWnVlfo7ZtNLV7mF8Jltk3LB3AtDu9cRZlcnRKkAk8Y4z6KKw35z7Y7Urd7jWY8etA=="
FILES = [
    "build/three.module.js",
    "build/three.core.js",
    "examples/jsm/loaders/GLTFLoader.js",
    "examples/jsm/utils/BufferGeometryUtils.js",
    "examples/jsm/utils/SkeletonUtils.js",
    "LICENSE",
]
BARE_IMPORT = re.compile(r"""(\bfrom\s+)(['"])three\2""")


def tarball_url(version: str) -> str:
    return f"https://registry.npmjs.org/three/-/three-{version}.tgz"


def check_integrity(data: bytes, integrity: str) -> None:
    """npm's Subresource-Integrity string (`sha512-<base64>`) must match the tarball's bytes."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in {"sha512", "sha384", "sha256"}:
        raise SystemExit(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"integrity mismatch: expected {integrity}, got {algorithm}-{actual}")


def relative_module(path: str) -> str:
    target = posixpath.relpath("build/three.module.js", posixpath.dirname(path))
    return target if target.startswith(".") else f"./{target}"


def vendor(data: bytes, *, version: str, integrity: str, destination: Path) -> list[tuple[str, str, str]]:
    """Write the files; return (path, sha256 in the package, sha256 as written) for each."""
    rows = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for path in FILES:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{path} is not in three@{version}")
            original = member.read()
            text = original.decode("utf-8")
            if path.endswith(".js"):
                module = relative_module(path)
                text = BARE_IMPORT.sub(lambda m, module=module: f"{m.group(1)}{m.group(2)}{module}{m.group(2)}", text)
            written = text.encode("utf-8")
            target = destination / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(written)
            rows.append((path, hashlib.sha256(original).hexdigest(), hashlib.sha256(written).hexdigest()))
    write_readme(destination, version=version, integrity=integrity, rows=rows)
    return rows


def write_readme(destination: Path, *, version: str, integrity: str, rows: list[tuple[str, str, str]]) -> None:
    lines = [
        f"# three.js {version} (vendored)",
        "",
        f"From the npm registry's tarball of `three@{version}` ({tarball_url(version)}),",
        f"integrity `{integrity}`. MIT licence: see LICENSE (the package's own).",
        "",
        "Written by `scripts/vendor_three.py`; do not edit by hand. The only change to the package's files:",
        "the addons' bare `from 'three'` imports point at `build/three.module.js` by a relative path, so",
        "the page needs no import map (an inline script, which the Content-Security-Policy forbids).",
        "",
        "Refresh: `.venv/bin/python scripts/vendor_three.py --version <v> --integrity <dist.integrity>`,",
        "then run the avatar's browser tests (`tests/browser/test_avatar_e2e.py`).",
        "",
        "| file | sha256 in the package | sha256 here |",
        "|---|---|---|",
    ]
    for path, before, after in rows:
        lines.append(f"| {path} | `{before}` | {'same' if before == after else f'`{after}`'} |")
    (destination / "README.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--integrity", default=INTEGRITY, help="the registry's dist.integrity for that version")
    parser.add_argument("--tarball", type=Path, help="a local `npm pack` tarball instead of downloading")
    parser.add_argument("--destination", type=Path, default=DESTINATION)
    args = parser.parse_args(argv)
    if args.version != VERSION and args.integrity == INTEGRITY:
        parser.error("a new --version needs its --integrity")
    if args.tarball:
        data = args.tarball.read_bytes()
    else:
        with urllib.request.urlopen(tarball_url(args.version), timeout=120) as response:
            data = response.read()
    check_integrity(data, args.integrity)
    for path, _, after in vendor(data, version=args.version, integrity=args.integrity, destination=args.destination):
        print(f"{after[:12]}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
