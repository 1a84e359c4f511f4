"""The build backend: setuptools, plus a test-only copy of foxesscloud 2.9.1 in *editable* installs.

The test suite drives two releases of the third-party client ``foxesscloud`` against the simulated cloud:
the current one (a regular ``test`` extra, ``import foxesscloud.openapi``) and 2.9.1, the last release on
scheduler v1. pip cannot install two versions of one distribution, and PyPI has no copy of 2.9.1 under
another name, so this backend asks pip (PEP 660 ``get_requires_for_build_editable``) to install
``foxesscloud==2.9.1`` from PyPI into the isolated build environment, and puts its ``openapi.py`` and
licence (MIT) into the editable wheel as the package ``foxesscloud_2_9_1``. Nothing third-party is kept in
the repository, and regular wheels and sdists (``build_wheel``, ``build_sdist``) are exactly setuptools'.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (every other hook is setuptools' own)

LEGACY_REQUIREMENT = "foxesscloud==2.9.1"
LEGACY_VERSION = "2.9.1"
LEGACY_PACKAGE = "foxesscloud_2_9_1"


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    return [*_setuptools.get_requires_for_build_editable(config_settings), LEGACY_REQUIREMENT]


def build_editable(
    wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None
) -> str:
    name = _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
    files = _legacy_files()
    if files:
        _add_to_wheel(Path(wheel_directory) / name, files)
    return name


def _legacy_files() -> dict[str, bytes]:
    """``{path in the wheel: content}`` of the test-only package, or ``{}`` when 2.9.1 is not installed here."""
    try:
        dist = metadata.distribution("foxesscloud")
    except metadata.PackageNotFoundError:
        dist = None
    if dist is None or dist.version != LEGACY_VERSION:
        found = "not installed" if dist is None else f"version {dist.version}"
        print(
            f"editable_backend: {LEGACY_REQUIREMENT} is {found} in the build environment; the tests of that "
            "release will be skipped.",
            file=sys.stderr,
        )
        return {}
    sources = {Path(str(f)).name: f for f in dist.files or ()}
    openapi = sources["openapi.py"].read_text(encoding="utf-8")
    licence = sources["LICENCE"].read_text(encoding="utf-8") if "LICENCE" in sources else ""
    init = (
        f'"""foxesscloud {LEGACY_VERSION} (TonyM1958/FoxESS-Cloud, MIT licence: see LICENCE), installed from PyPI\n'
        'by the build backend for the test suite only (tools/editable_backend.py)."""\n'
    )
    return {
        f"{LEGACY_PACKAGE}/__init__.py": init.encode(),
        f"{LEGACY_PACKAGE}/openapi.py": openapi.encode(),
        f"{LEGACY_PACKAGE}/LICENCE": licence.encode(),
    }


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _add_to_wheel(wheel: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    rebuilt = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(rebuilt, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                lines[-1:-1] = [_record_line(path, content) for path, content in files.items()]
                data = ("\n".join(lines) + "\n").encode()
            target.writestr(info, data)
        for path, content in files.items():
            target.writestr(path, content)
    rebuilt.replace(wheel)
