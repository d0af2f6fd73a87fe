"""The portal in a real browser: Debian's Chromium driven by Playwright (no browser download), against the
API started with uvicorn on a free port over a scratch SQLite database seeded through the domain.

Without /usr/bin/chromium these tests are skipped locally and fail under CI=true: scripts/system-deps.sh
installs it (as root)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

import documents.registry as document_registry
from admin.migrate import prepare_database
from models import db, settings
from models.settings import PROJECT_ROOT, local_today
from tests.browser.seed import PASSWORD, Program, seed_program
from tests.e2e.test_stack import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
STARTUP_SECONDS = 60
# LibreOffice takes seconds per contract; the PDF buttons only need a stored rendition to point at.
FAKE_PDF = b"%PDF-1.4 a contract\n%%EOF"


@dataclass(frozen=True)
class Portal:
    url: str  # the API's root; the portal is at {url}/portal
    program: Program


@pytest.fixture(scope="package")
def portal(tmp_path_factory) -> Iterator[Portal]:
    root = tmp_path_factory.mktemp("portal")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        "PILOTFLOW_DATABASE_URL": f"sqlite:///{root / 'pilotflow.db'}", "PILOTFLOW_DOCUMENT_DIR": str(root / "documents"),
        "PILOTFLOW_API_KEY": "browser-test-key", "PILOTFLOW_PORTAL_SECRET": "browser-test-secret",
        "PILOTFLOW_PUBLIC_API_URL": url,
        # No Prefect server: the portal shows a run's state as unknown, after one quick failed try.
        "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api", "PREFECT_CLIENT_MAX_RETRIES": "0",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        settings.get_settings.cache_clear()
        db.get_engine.cache_clear()
        patch.setattr(document_registry, "convert_to_pdf", lambda docx: FAKE_PDF)
        prepare_database()
        program = seed_program(local_today())
        log = (root / "uvicorn.log").open("w")
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                                   "--port", str(port)], cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            _wait_until_up(url, server, root / "uvicorn.log")
            yield Portal(url, program)
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()
            db.get_engine().dispose()
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"the API did not start on {url}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"Debian's Chromium ({CHROMIUM}) is not installed: run scripts/system-deps.sh as root"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; under CI the browser tests must run")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser: Browser, portal: Portal, viewport: dict = DESKTOP, device: str = "browser test") -> Page:
    """A fresh browser profile (no cookies); `device` is its user agent, which the feedback repeat rule reads."""
    context = browser.new_context(base_url=portal.url, viewport=viewport, user_agent=device, accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/portal/login")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/portal/applications**")


def screenshot(page: Page, name: str) -> Path:
    """Saved under var/screenshots/ (git ignores var/) for people to look at; named by page and width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = "phone" if page.viewport_size["width"] == PHONE["width"] else "desktop"
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
