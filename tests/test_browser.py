"""The web page in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by Selenium against uvicorn on 127.0.0.1.

One walk through an office's day: upload a registry -> see its problems -> upload the
fixed file -> print two cards -> check a photo of a card -> see it on the audit page ->
issue the month's fee slips -> reconcile a bank statement.
A screenshot is taken at every step into the test's ``tmp_path``; on failure the folder
is printed, and pytest keeps it (its last three runs).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("selenium")
pytest.importorskip("uvicorn")
pytest.importorskip("zxingcpp")

import uvicorn
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as when
from selenium.webdriver.support.ui import WebDriverWait

from cashless.stalls.card import card_png
from cashless.stalls.market import open_market
from cashless.web import create_app

ROOT = Path(__file__).resolve().parent.parent
STALLS = ROOT / "examples" / "stalls.csv"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not shutil.which("chromedriver"),
    reason="Chromium and chromedriver are not installed (Debian: apt-get install chromium "
    "chromium-driver; `make test` installs them)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path):
    """The page for a market that does not exist yet, served on loopback in a thread."""
    db = tmp_path / "market.db"
    port = _free_port()
    config = uvicorn.Config(
        create_app(str(db)), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
    running.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(tmp_path: Path):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=412,915",  # a phone
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


class Steps:
    """Screenshots of every step, named in order."""

    def __init__(self, driver: webdriver.Chrome, folder: Path) -> None:
        self.driver = driver
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def shot(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        height = self.driver.execute_script("return document.body.scrollHeight")
        self.driver.set_window_size(412, max(915, min(int(height) + 140, 4000)))
        self.driver.save_screenshot(str(path))
        return path


def _submit(driver: webdriver.Chrome, form_id: str | None = None) -> None:
    scope = driver.find_element(By.ID, form_id) if form_id else driver
    scope.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def test_an_office_day_in_the_browser(server, browser, tmp_path: Path) -> None:
    base, db = server
    # CASHLESS_SCREENSHOTS keeps them in a folder of your choice (to look at every page)
    steps = Steps(browser, Path(os.environ.get("CASHLESS_SCREENSHOTS") or tmp_path / "screens"))
    # chromedriver may answer "node not in the document" while a page changes: wait on
    wait = WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,))
    try:
        _walk(base, db, browser, steps, wait, tmp_path)
    except BaseException:
        try:
            steps.shot("failure")
        finally:
            print(f"\nbrowser test screenshots: {steps.folder}")
        raise


def _walk(base, db, browser, steps, wait, tmp_path: Path) -> None:
    lines = STALLS.read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    broken = second.split(",")
    broken[3] = "Ngân hàng Không Có"
    bad = tmp_path / "so-quay.csv"
    bad.write_text("\n".join([header, first, ",".join(broken), *lines[3:]]) + "\n", "utf-8")

    # 1. upload the registry: its problems, by line and column
    browser.get(f"{base}/")
    wait.until(when.presence_of_element_located((By.ID, "registry")))
    steps.shot("registry-empty")
    browser.find_element(By.ID, "registry").send_keys(str(bad))
    _submit(browser)
    table = wait.until(when.presence_of_element_located((By.ID, "problems")))
    cells = [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody tr td")]
    assert cells[:2] == ["3", "bank"], cells
    steps.shot("registry-problems")

    # 2. the fixed file creates the market
    browser.find_element(By.ID, "registry").send_keys(str(STALLS))
    _submit(browser)
    wait.until(when.presence_of_element_located((By.ID, "versions")))
    assert "đã tạo chợ" in browser.find_element(By.TAG_NAME, "main").text
    steps.shot("registry-imported")

    # 3. print two cards; the job page polls until the downloads appear
    browser.find_element(By.LINK_TEXT, "In thẻ").click()
    preview = wait.until(when.presence_of_element_located((By.CSS_SELECTOR, "img.true-size")))
    wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", preview) > 0)
    width_px = browser.execute_script("return arguments[0].getBoundingClientRect().width", preview)
    assert abs(width_px - 105 / 25.4 * 96) < 2  # 105 mm in CSS pixels
    steps.shot("print-form")
    browser.find_element(By.ID, "stalls").send_keys("A01,A02")
    assert browser.find_element(By.ID, "which-few").is_selected()  # the little JavaScript
    browser.find_element(By.ID, "market").send_keys("Chợ Điện Biên")
    _submit(browser)
    link = wait.until(when.presence_of_element_located((By.ID, "pdf")))
    steps.shot("print-done")
    cookie = browser.get_cookie("cashless_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    import httpx

    pdf = httpx.get(link.get_attribute("href"), cookies={cookie["name"]: cookie["value"]})
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"

    # 4. check a photo of stall A03's card, as a phone names it
    with open_market(str(db)) as market:
        stall = market.registry()["A03"]
        code = market.card_codes()["A03"]
    photo = tmp_path / "IMG_20260112_071733.jpg"
    card_png(stall, dpi=250, card_code=code).convert("RGB").save(photo, quality=80)
    browser.find_element(By.LINK_TEXT, "Kiểm tra").click()
    field = wait.until(when.presence_of_element_located((By.ID, "photos")))
    assert field.get_attribute("capture") == "environment"
    steps.shot("check-form")
    field.send_keys(str(photo))
    browser.find_element(By.ID, "who").send_keys("Chị Lan")
    _submit(browser, "check-form")
    big = wait.until(when.presence_of_element_located((By.CSS_SELECTOR, ".verdict .big")))
    assert big.text == "ĐÚNG"
    assert browser.find_element(By.CSS_SELECTOR, ".verdict dd.stall").text == "A03"
    steps.shot("check-ok")

    # 5. a stranger's code at stall A04: SAI, with the account it pays
    from cashless.payload.vietqr import VietQR
    from cashless.stalls.qr import make_qr, to_image

    stranger = VietQR(bin="970422", account="0999888777", merchant_name="NGUYEN VAN X")
    swapped = tmp_path / "IMG_20260112_071801.png"
    to_image(make_qr(stranger.build()), scale=8).save(swapped)
    browser.find_element(By.ID, "photos").send_keys(str(swapped))
    browser.find_element(By.ID, "stall").send_keys("A04")
    _submit(browser, "check-form")
    big = wait.until(when.presence_of_element_located((By.CSS_SELECTOR, ".verdict.mismatch .big")))
    assert big.text == "SAI"
    assert "0999888777" in browser.find_element(By.CSS_SELECTOR, ".verdict.mismatch").text
    steps.shot("check-sai")

    # 6. the audit page shows both, with who checked
    browser.find_element(By.LINK_TEXT, "Nhật ký").click()
    row = wait.until(when.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-stall="A03"]')))
    assert "Chị Lan" in row.text and "đúng" in row.text
    assert "ok" in (row.get_attribute("class") or "")
    steps.shot("audit")

    mismatch = browser.find_element(By.CSS_SELECTOR, 'tr[data-stall="A04"]')
    assert "open" in (mismatch.get_attribute("class") or "")

    # 7. the month's fee slips; then the bank statement: who paid, who has not
    browser.find_element(By.LINK_TEXT, "Phí chợ").click()
    wait.until(when.presence_of_element_located((By.ID, "issue-form")))
    period = browser.find_element(By.ID, "period").get_attribute("value")  # this month
    browser.find_element(By.ID, "amount").send_keys("50.000")
    browser.find_element(By.ID, "bank").send_keys("VCB")
    browser.find_element(By.ID, "account").send_keys("0011001234567")
    browser.find_element(By.ID, "holder").send_keys("BQL Cho Dien Bien")
    steps.shot("fees-form")
    _submit(browser, "issue-form")
    slips = wait.until(when.presence_of_element_located((By.ID, "pdf")))
    assert "60 phiếu thu" in browser.find_element(By.TAG_NAME, "main").text
    steps.shot("fees-slips")
    pdf = httpx.get(slips.get_attribute("href"), cookies={cookie["name"]: cookie["value"]})
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    from cashless.fees.store import FeeBook

    with open_market(str(db)) as market:
        codes = {fee.stall_id: fee.code for fee in FeeBook(market).fees(period)}
    statement = tmp_path / "sao-ke.csv"
    statement.write_text(
        "time,amount,description,reference,account,name\n"
        f"{period}-02T08:15:00,50000,MBVCB.123.{codes['A01']}.CT tu A,FT1,,\n"
        f"{period}-03T09:00:00,20000,{codes['A02']},FT2,,\n",
        encoding="utf-8",
    )
    browser.find_element(By.PARTIAL_LINK_TEXT, "phí chợ").click()
    form = wait.until(when.presence_of_element_located((By.ID, "reconcile-form")))
    form.find_element(By.ID, "credits").send_keys(str(statement))
    _submit(browser, "reconcile-form")
    # the month's table was on the page before (every stall unpaid): wait for the notice
    # only the import shows
    wait.until(when.presence_of_element_located((By.CSS_SELECTOR, "#report .notice.good")))
    paid = browser.find_element(By.CSS_SELECTOR, 'tr[data-stall="A01"]')
    assert "paid" in (paid.get_attribute("class") or "").split() and "đã trả" in paid.text
    part = browser.find_element(By.CSS_SELECTOR, 'tr[data-stall="A02"]')
    assert "trả thiếu" in part.text
    steps.shot("fees-reconciled")

    # 8. the English switch
    browser.find_element(By.LINK_TEXT, "Nhật ký").click()
    wait.until(when.presence_of_element_located((By.ID, "audit")))
    browser.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait.until(when.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Check log"))
    steps.shot("audit-en")
    assert io is not None
