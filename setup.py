"""Packaging hooks: ship the top-level ``tariffs/`` library inside the wheel; build the compiler's C kernel.

All metadata lives in ``pyproject.toml``. This file extends ``build_py`` so that the repository's
``tariffs/`` folder (tariff TOMLs, price files, README, JSON Schema) is copied to
``optimizer/tariffs/_shipped/`` in the build, where :mod:`optimizer.tariffs.library` finds it after a plain
``pip install``. Editable installs and checkouts read ``tariffs/`` directly and skip the copy.

``optimizer.compile._kernel`` (the compiler's inner loop, ``optimizer/compile/_kernel.c``) is an *optional*
extension: where no C compiler exists the install goes on without it and ``optimizer.compile.kernel`` runs the
same semantics in pure Python. FMA contraction is off so that the C results are bit for bit Python's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

LIBRARY = Path(__file__).resolve().parent / "tariffs"
TARGET = Path("optimizer") / "tariffs" / "_shipped"


class BuildPyWithTariffs(build_py):
    """``build_py`` that also copies the shipped tariff library into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (LIBRARY / "tariff.schema.json").is_file():
            raise FileNotFoundError(f"the tariff library {LIBRARY} is missing (tariff.schema.json not found)")
        target = Path(self.build_lib) / TARGET
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(LIBRARY, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        target = Path(self.build_lib) / TARGET
        if target.exists():
            outputs += [str(p) for p in sorted(target.rglob("*")) if p.is_file()]
        return outputs


class BuildKernel(build_ext):
    """``build_ext`` with IEEE-exact flags for the compiler in use (no FMA contraction, no fast math)."""

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "msvc":
            flags = ["/O2", "/fp:precise"]
        else:
            flags = ["-O2", "-ffp-contract=off", "-fno-fast-math"]
        for extension in self.extensions:
            extension.extra_compile_args = flags
        super().build_extensions()


KERNEL = Extension("optimizer.compile._kernel", sources=["optimizer/compile/_kernel.c"], optional=True)

setup(cmdclass={"build_py": BuildPyWithTariffs, "build_ext": BuildKernel}, ext_modules=[KERNEL])
