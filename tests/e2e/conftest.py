"""Browser tests: Playwright drives Debian's chromium against ``dsn demo`` started by the test.

One demo server per language (module scope): ``dsn demo`` seeds a small pilot (the
showcase patient and its accounts are always there) into a fresh SQLite file and serves
it, exactly as a newcomer would start it. Screenshots go to ``tests/artifacts/``
(git-ignored) so a person can look at what the tests saw.

The tests are skipped only when no chromium is installed and ``DSN_E2E_REQUIRED`` is not
set; CI installs chromium and sets it, so there a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("DSN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DEMO_PATIENTS = os.environ.get("DSN_E2E_PATIENTS", "24")
START_TIMEOUT = 300


def _browser_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _browser_available() or os.environ.get("DSN_E2E_REQUIRED"):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (install Debian's chromium; CI does)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DemoServer:
    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        self.env = {
            **os.environ,
            "DSN_DATA_DIR": str(root / "var"),
            "DSN_BASE_URL": f"{self.url}/fhir",
            "DSN_HOST": "127.0.0.1",
            "DSN_PORT": str(self.port),
            "DSN_LOG_LEVEL": "WARNING",
        }
        self.env.pop("DSN_DATABASE_URL", None)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        dsn = Path(sys.executable).with_name("dsn")
        command = [str(dsn), "demo", "--patients", DEMO_PATIENTS, "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dsn demo exited with {self.process.returncode}:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"dsn demo did not answer in {START_TIMEOUT}s:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("fr", marks=pytest.mark.xdist_group("e2e-fr")),
        pytest.param("en", marks=pytest.mark.xdist_group("e2e-en")),
    ],
)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoServer, str]]:
    """A running demo server and the language the flows run in."""
    server = DemoServer(tmp_path_factory.mktemp(f"demo-{request.param}"))
    server.start()
    yield server, request.param
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
