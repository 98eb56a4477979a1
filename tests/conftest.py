"""Shared fixtures: the real `plangraph` console script as a subprocess, and one fresh build per session.

Tests never write to the committed data/: the session build goes to a temporary folder.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CLI_DATA = Path(__file__).parent / "data" / "cli"
PLANGRAPH = Path(sys.executable).parent / "plangraph"
STARTUP_SECONDS = 20  # a guard against a server that never comes up
CLI_TIMEOUT = 300  # seconds; only a guard against a hung process, not a performance assertion

RunCli = Callable[..., tuple[int, str, str]]


def pytest_configure(config: pytest.Config) -> None:
    # rdflib's own parsers use its deprecated ConjunctiveGraph API; that is not ours to fix
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:rdflib.*")


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a CLI run: no PLANGRAPH_* settings leak in from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANGRAPH_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PLANGRAPH_STORE"] = "memory"  # never the developer's build/store; tests that need one name it
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serve_process(dataset: Path, log_dir: Path, env: Mapping[str, str] | None = None,
                  ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `plangraph serve` on a free loopback port with the given dataset and PLANGRAPH_* settings,
    wait until it answers, yield (base URL ending in '/', process), and stop it afterwards."""
    port = _free_port()
    log = log_dir / f"serve-{port}.log"
    env = {"PLANGRAPH_STORE": str(log_dir / f"store-{port}"), **(env or {})}  # the embedded store, as make serve
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(PLANGRAPH), "serve", "--host", "127.0.0.1", "--port", str(port), "--dataset", str(dataset)],
            stdout=sink, stderr=subprocess.STDOUT, env=cli_env(env), cwd=PROJECT_ROOT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"plangraph serve exited with {process.returncode}:\n{log.read_text('utf-8')}")
            try:
                requests.get(url, timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(f"plangraph serve did not answer within {STARTUP_SECONDS} s:\n"
                                f"{log.read_text('utf-8')}")
                time.sleep(0.2)
        yield url, process
    finally:
        _stop(process)


def load_local_virtuoso() -> Any:
    """scripts/local_virtuoso.py (scripts/ is no package: loaded by its path)."""
    script = PROJECT_ROOT / "scripts" / "local_virtuoso.py"
    module = sys.modules.get("local_virtuoso")
    if module is None or not hasattr(module, "LocalVirtuoso"):
        spec = importlib.util.spec_from_file_location("local_virtuoso", script)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["local_virtuoso"] = module
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One scratch Virtuoso 7 on loopback for the session (Debian's virtuoso-opensource; CI installs it)."""
    local = load_local_virtuoso()
    if not local.available():
        pytest.fail("Virtuoso is not installed: run `bash scripts/install-system-deps.sh test` (as root)")
    with local.LocalVirtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


STORES = ("embedded", "virtuoso")  # the stores the HTTP suite runs against


@pytest.fixture(scope="session", params=STORES)
def live_server(request: pytest.FixtureRequest, dataset_file: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `plangraph serve` process on a free loopback port, shared by the session's HTTP tests, once on
    the embedded store (what `make serve` runs) and once on a remote Virtuoso; yields its base URL (ending
    in '/') and stops it afterwards."""
    env: dict[str, str] = {}
    if request.param == "virtuoso":
        server = request.getfixturevalue("virtuoso")
        env = {"PLANGRAPH_STORE": server.sparql_url}
    with serve_process(dataset_file, tmp_path_factory.mktemp("serve"), env) as (url, _):
        yield url


# --- a real browser (Debian's chromium driven by Playwright; no browser download) ---------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "build" / "test-artifacts"  # screenshots of the browser tests
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the session's browser tests."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("chromium is not installed: `make test` installs it (scripts/install-system-deps.sh test)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def published_memory_store() -> Any:
    """A memory store holding the committed published dataset (data/herne.trig), for tests that only read."""
    from plangraph import resources
    from plangraph.publish import ensure_published
    from plangraph.store.memory import MemoryStore

    published = MemoryStore(workers=1)
    ensure_published(published, resources.DATASET_FILE)
    return published


@pytest.fixture(scope="session")
def shapes() -> Any:
    """plangraph's SHACL shapes (shapes/plangraph-shapes.ttl)."""
    from plangraph import resources

    return resources.shapes_graph()
