"""Item 8 of issue 12 (this part): a ``data_dir`` that is a file, or a log file that cannot be written, ended in a
traceback (exit 1). Each now gives one error naming the path, exit 3, and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app

from .pushworld import world

COMMANDS = [("run",), ("run", "--push"), ("push",), ("plan",), ("status",), ("doctor", "--json")]


def _config(tmp_path: Path, data_dir: Path, log_file: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[paths]\ndata_dir = "{data_dir}"\nlog_file = "{log_file}"\n', encoding="utf-8")
    return path


def _error(result) -> str:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.stdout + result.stderr
    if result.stderr.strip():
        lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")]
        assert len(lines) == 1, result.stderr
        return lines[0]
    checks = json.loads(result.stdout)["checks"]  # the doctor: the failing check's detail
    return " ".join(c["detail"] for c in checks if not c["ok"])


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_data_dir_that_is_a_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    """With no credentials: the embedded simulated cloud, which keeps its state in the data folder."""
    data_dir = tmp_path / "not-a-folder"
    data_dir.write_text("a file\n", encoding="utf-8")
    config = _config(tmp_path, data_dir, tmp_path / "log" / "optimizer.log")
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 3, result.stdout + result.stderr
    text = _error(result)
    assert str(data_dir) in text and "is a file, not a folder" in text


@pytest.mark.parametrize("args", [("run",), ("run", "--push"), ("push",)], ids=lambda a: " ".join(a))
def test_log_file_that_cannot_be_written(tmp_path: Path, args: tuple[str, ...]) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the log folder should be\n", encoding="utf-8")
    log_file = blocker / "optimizer.log"
    config = _config(tmp_path, tmp_path / "data", log_file)
    result = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 3, result.stdout + result.stderr
    text = _error(result)
    assert str(blocker) in text and "log file" in text and text.endswith(".")


def test_log_file_that_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "log-folder"
    folder.mkdir()
    result = CliRunner().invoke(app, ["run", "--log-file", str(folder)])
    assert result.exit_code == 3 and f"{folder}: the log file is a folder, not a file." in result.stderr


def test_bad_paths_write_nothing_to_the_inverter(tmp_path: Path) -> None:
    with world(tmp_path / "w") as w:
        w.config_path.write_text(
            w.config_path.read_text(encoding="utf-8").replace(str(w.log_file), str(w.config_path / "x.log")),
            encoding="utf-8",
        )
        before = len(w.cloud.requests)
        done = w.invoke("run", "--push", "--json")
        assert done.code == 3 and len(w.cloud.requests) == before
