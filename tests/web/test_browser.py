"""The page in a real browser (Debian's Chromium through selenium and chromium-driver).

A planner's path: open the address with the token, make a round from the sample, run 编排, wait for
the plan view, pin a visit by clicking it, and see the re-planned version — with no console errors.
Skipped when Chromium, its driver or selenium are not installed (``.ci/run`` installs them).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.web.conftest import TOKEN
from web.app import create_app

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="chromium and chromium-driver are not installed"
)

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)
PATIENCE = 300  # seconds: a safety net for a loaded machine, not a timing assertion


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port in a thread."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    app = create_app(tmp_path / "data", TOKEN)
    runner = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    give_up = time.monotonic() + 30
    while not runner.started:
        assert time.monotonic() < give_up, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    runner.should_exit = True
    thread.join(30)
    listener.close()


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM or ""
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER or ""), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_a_planner_solves_the_sample_and_pins_a_visit(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, PATIENCE)
    browser.get(f"{server}/?token={TOKEN}")
    assert "token" not in browser.current_url
    assert "巡查轮次" in browser.find_element(By.TAG_NAME, "h1").text

    browser.find_element(By.ID, "sample-round").click()
    wait.until(ready.url_contains("/rounds/"))
    assert "检查通过" in browser.find_element(By.TAG_NAME, "main").text
    limit = browser.find_element(By.CSS_SELECTOR, "#solve input[name=time_limit]")
    limit.clear()
    limit.send_keys("10")
    browser.find_element(By.CSS_SELECTOR, "#solve button[type=submit]").click()
    wait.until(ready.visibility_of_element_located((By.ID, "progress")))
    wait.until(ready.presence_of_element_located((By.ID, "plan-view")))
    first = browser.current_url
    assert "/versions/" in first
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "巡查安排（按机构）" in main
    assert "最优" in main or "可行" in main

    row = browser.find_element(By.CSS_SELECTOR, "#visits tr.visit")
    institution = row.get_attribute("data-institution")
    row.click()
    dialog = browser.find_element(By.ID, "pin-dialog")
    wait.until(lambda _: dialog.is_displayed())
    assert (
        browser.find_element(By.CSS_SELECTOR, "#pin input[name=institution]").get_attribute("value")
        == institution
    )
    browser.find_element(By.CSS_SELECTOR, "#pin button[type=submit]").click()
    wait.until(lambda d: d.current_url != first)
    wait.until(ready.presence_of_element_located((By.ID, "plan-view")))
    assert "巡查安排（按机构）" in browser.find_element(By.TAG_NAME, "main").text

    browser.save_screenshot(str(tmp_path / "plan.png"))
    assert (tmp_path / "plan.png").stat().st_size > 0
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
