"""Shared fixtures: the real `plangraph` console script as a subprocess, and one fresh build per session.

Tests never write to the committed data/: the session build goes to a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CLI_DATA = Path(__file__).parent / "data" / "cli"
PLANGRAPH = Path(sys.executable).parent / "plangraph"
CLI_TIMEOUT = 300  # seconds; only a guard against a hung process, not a performance assertion

RunCli = Callable[..., tuple[int, str, str]]


def pytest_configure(config: pytest.Config) -> None:
    # rdflib's own parsers use its deprecated ConjunctiveGraph API; that is not ours to fix
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:rdflib.*")


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a CLI run: no PLANGRAPH_* settings leak in from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANGRAPH_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def run_plangraph(*args: str | Path, input: str | None = None,
                  env: Mapping[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run the installed console script; return (exit code, stdout, stderr), both decoded as UTF-8."""
    if not PLANGRAPH.exists():
        pytest.fail(f"console script not found next to the interpreter: {PLANGRAPH}")
    completed = subprocess.run(
        [str(PLANGRAPH), *map(str, args)],
        input=input.encode("utf-8") if input is not None else None,
        capture_output=True,
        env=cli_env(env),
        cwd=cwd or PROJECT_ROOT,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    return completed.returncode, completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8")


@pytest.fixture
def run_cli() -> RunCli:
    """`run_cli(*args, input=None, env=None)` -> (returncode, stdout, stderr) of the real `plangraph`."""
    return run_plangraph


class BuiltDataset(NamedTuple):
    trig: Path
    report: Path


@pytest.fixture(scope="session")
def built_dataset(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    """One `plangraph build` per session into a temporary folder (never over the committed data/)."""
    folder = tmp_path_factory.mktemp("build")
    trig, report = folder / "herne.trig", folder / "report.md"
    code, out, err = run_plangraph("build", "--output", trig, "--report", report)
    assert code == 0, f"plangraph build failed ({code}):\n{err}"
    assert trig.exists() and report.exists()
    assert "9 measures" in out, out
    return BuiltDataset(trig, report)


@pytest.fixture(scope="session")
def dataset_file(built_dataset: BuiltDataset) -> Path:
    return built_dataset.trig
