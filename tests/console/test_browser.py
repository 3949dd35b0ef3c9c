"""The console and the chat page in headless Chromium (system package, no download).

Selenium drives Debian's ``chromium`` through ``/usr/bin/chromedriver``; giving the
driver path explicitly keeps Selenium Manager from running.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from bot.console.auth import HEADER_NAME
from bot.text import fold
from tests.console.conftest import (
    ACCESS_KEY,
    DEMO_DOSSIER,
    DEMO_OWNER,
    DEMO_VERIFY,
    UNKNOWN_DOSSIER,
)

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    "--lang=vi",
]
WAIT = 10


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium for the session, with a fresh profile."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.skip(
            f"system Chromium not found ({', '.join(missing)}): "
            "apt-get install chromium chromium-driver"
        )
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait(driver, condition, timeout: float = WAIT):
    return WebDriverWait(driver, timeout).until(condition)


def active_id(driver) -> str:
    return driver.switch_to.active_element.get_attribute("id")


def log_in(driver, server, key: str) -> None:
    driver.delete_all_cookies()
    driver.get(server.url + "/login")
    field = driver.find_element(By.ID, "key")
    field.send_keys(key)
    field.send_keys(Keys.ENTER)


@pytest.fixture
def staff(browser, console):
    """The console page, signed in, with empty local storage, search focused."""
    log_in(browser, console, ACCESS_KEY)
    wait(browser, lambda d: d.find_elements(By.ID, "search-input"))
    browser.execute_script("window.localStorage.clear()")
    browser.get(console.url + "/")
    wait(browser, lambda d: active_id(d) == "search-input")
    return browser


def staff_api(console, path: str) -> dict:
    response = requests.get(console.url + path, headers={HEADER_NAME: ACCESS_KEY})
    return response.json()


def result_names(driver) -> list:
    return [
        e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result-name")
    ]


def search(driver, text: str) -> list:
    box = driver.find_element(By.ID, "search-input")
    box.clear()
    box.send_keys(text)
    wait(driver, lambda d: result_names(d))
    return result_names(driver)


def open_first(driver, query: str) -> str:
    search(driver, query)
    driver.find_element(By.CSS_SELECTOR, "#results button.result").click()
    wait(driver, lambda d: d.find_element(By.ID, "card").is_displayed())
    return driver.find_element(By.CSS_SELECTOR, "#results button.result").get_attribute(
        "data-code"
    )


# --- access --------------------------------------------------------------------


def test_disabled_console_says_how_to_enable(browser, console_without_key):
    browser.get(console_without_key.url + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Bảng tra cứu đang tắt"
    assert "CONSOLE_ACCESS_KEY" in browser.find_element(By.ID, "disabled-message").text


def test_wrong_key_shows_error_and_stays_on_login(browser, console):
    log_in(browser, console, "not-the-key")
    error = wait(browser, lambda d: d.find_element(By.ID, "login-error"))
    assert "Khóa truy cập không đúng" in error.text
    assert browser.find_elements(By.ID, "search-input") == []


def test_login_lands_on_console_with_search_focused(staff):
    assert (
        staff.find_element(By.ID, "tab-lookup").get_attribute("aria-selected") == "true"
    )
    assert active_id(staff) == "search-input"


# --- search and card -----------------------------------------------------------


@pytest.mark.parametrize("query", ["hộ chiếu", "ho chieu"])
def test_search_as_you_type(staff, query):
    names = search(staff, query)
    assert any("ho chieu" in fold(name) for name in names), names
    status = staff.find_element(By.ID, "search-status").text
    assert "kết quả" in status


def test_keyboard_only_opens_and_closes_card(staff):
    active = staff.switch_to.active_element
    active.send_keys("khai sinh")
    wait(staff, lambda d: result_names(d))
    staff.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    first = staff.find_element(By.CSS_SELECTOR, "#results button.result")
    assert staff.switch_to.active_element == first
    staff.switch_to.active_element.send_keys(Keys.ENTER)
    wait(staff, lambda d: active_id(d) == "card-title")
    assert "khai sinh" in fold(staff.find_element(By.ID, "card-title").text)
    # Tab order inside the card starts with the copy button.
    staff.switch_to.active_element.send_keys(Keys.TAB)
    assert active_id(staff) == "copy-answer"
    staff.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(staff, lambda d: not d.find_element(By.ID, "card").is_displayed())
    assert staff.switch_to.active_element == first
    staff.switch_to.active_element.send_keys("/")
    assert active_id(staff) == "search-input"
    # The opened procedure is now in "recently viewed".
    staff.switch_to.active_element.send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    wait(staff, lambda d: d.find_element(By.ID, "recent").is_displayed())
    recent = staff.find_elements(By.CSS_SELECTOR, "#recent-list .result-name")
    assert recent and "khai sinh" in fold(recent[0].text)


def test_card_shows_documents_fee_time_source(staff, console, output_dir):
    code = open_first(staff, "hộ chiếu")
    proc = staff_api(console, f"/api/procedure/{code}")["procedure"]
    docs = staff.find_element(By.ID, "card-documents").text
    for document in proc["documents"][:3]:
        assert document["name"] in docs
    channels = staff.find_element(By.ID, "card-channels").text
    assert proc["channels"], "the passport procedure lists its channels"
    for channel in proc["channels"]:
        assert (channel["fee_text"] or "chưa có thông tin") in channels
        assert (channel["time_text"] or "chưa có thông tin") in channels
    source = staff.find_element(By.ID, "card-source").text
    assert source.startswith("Nguồn:")
    assert "thu thập" in source
    link = staff.find_element(By.ID, "card-link")
    assert link.get_attribute("href") == proc["url"]
    staff.save_screenshot(str(Path(output_dir) / "console-card.png"))
    assert (Path(output_dir) / "console-card.png").stat().st_size > 10_000


def test_copy_button_puts_answer_on_clipboard(staff, console):
    staff.execute_cdp_cmd(
        "Browser.grantPermissions",
        {
            "origin": console.url,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        },
    )
    code = open_first(staff, "khai sinh")
    expected = staff_api(console, f"/api/procedure/{code}")["answer_text"]
    staff.find_element(By.ID, "copy-answer").click()
    wait(staff, lambda d: d.find_element(By.ID, "copy-status").text == "Đã sao chép")
    copied = staff.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, e => done('ERROR ' + e));"
    )
    assert copied.replace("\r\n", "\n") == expected


# --- dossier -------------------------------------------------------------------


def look_up(driver, code: str, verify: str = "") -> None:
    driver.find_element(By.ID, "dossier-code").clear()
    driver.find_element(By.ID, "dossier-code").send_keys(code)
    driver.find_element(By.ID, "dossier-verify").send_keys(verify)
    driver.find_element(By.ID, "dossier-submit").click()
    wait(
        driver,
        lambda d: d.find_elements(
            By.CSS_SELECTOR, "#dossier-result .badge, #dossier-error"
        ),
    )


def test_dossier_found_without_and_with_verification(staff, console):
    expected = staff_api(console, f"/api/dossier?code={DEMO_DOSSIER}")["dossier"]
    look_up(staff, DEMO_DOSSIER)
    result = staff.find_element(By.ID, "dossier-result").text
    assert expected["status_label"] in result
    assert DEMO_OWNER not in result
    look_up(staff, DEMO_DOSSIER, DEMO_VERIFY)
    wait(staff, lambda d: d.find_elements(By.CSS_SELECTOR, "#dossier-result .owner"))
    owner = staff.find_element(By.CSS_SELECTOR, "#dossier-result .owner").text
    assert DEMO_OWNER.split()[0] in owner  # masked by the service: "Nguyễn V*** A***"
    # The verification value is not kept in the form after the lookup.
    assert staff.find_element(By.ID, "dossier-verify").get_attribute("value") == ""


@pytest.mark.parametrize(
    ("code", "error"),
    [("abc-123", "invalid_code"), (UNKNOWN_DOSSIER, "not_found")],
)
def test_dossier_errors_are_explained(staff, code, error):
    look_up(staff, code)
    shown = staff.find_element(By.ID, "dossier-error")
    assert shown.get_attribute("data-error") == error
    assert shown.text  # a Vietnamese explanation, from messages.yml


# --- report --------------------------------------------------------------------


def test_report_tab_by_keyboard(staff):
    staff.find_element(By.ID, "tab-lookup").send_keys(Keys.ARROW_RIGHT)
    assert active_id(staff) == "tab-report"
    wait(staff, lambda d: d.find_element(By.ID, "stat-satisfaction").text == "75%")
    assert staff.find_element(By.ID, "stat-conversations").text == "120"
    top = staff.find_element(By.ID, "report-top").text
    assert "42" in top
    unanswered = staff.find_element(By.ID, "report-unanswered").text
    assert "xin giấy phép nuôi chó" in unanswered
    assert "0912345678" not in unanswered
    assert not staff.find_element(By.ID, "panel-lookup").is_displayed()


# --- web chat ------------------------------------------------------------------


def bot_texts(driver) -> list:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".msg.bot p")]


def test_web_chat_exchanges_messages(browser, console, fake_rasa, output_dir):
    browser.delete_all_cookies()
    browser.get(console.url + "/chat")
    assert active_id(browser) == "chat-input"
    before = len(bot_texts(browser))
    box = browser.find_element(By.ID, "chat-input")
    box.send_keys("làm hộ chiếu", Keys.ENTER)
    wait(browser, lambda d: len(bot_texts(d)) >= before + 2)
    assert bot_texts(browser)[before].startswith("Bạn hỏi: làm hộ chiếu")
    image = browser.find_element(By.CSS_SELECTOR, ".msg.bot img")
    assert image.get_attribute("src") == fake_rasa.url + "/dot.png"
    wait(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", image))
    link = browser.find_element(By.CSS_SELECTOR, ".msg.bot a")
    assert link.get_attribute("href") == "https://dichvucong.gov.vn/p/home.html"
    sender = fake_rasa.received[-1]["body"]["sender"]
    assert sender.startswith("web-")
    # A button sends its payload and shows its title.
    browser.find_element(By.XPATH, "//div[@class='buttons']/button[.='Lệ phí']").click()
    wait(browser, lambda d: fake_rasa.received[-1]["body"]["message"] == "/ask_fee")
    users = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".msg.user p")]
    assert users[-1] == "Lệ phí"
    assert fake_rasa.received[-1]["body"]["sender"] == sender  # same tab, same id
    browser.save_screenshot(str(Path(output_dir) / "web-chat.png"))


def test_web_chat_never_renders_html(browser, console, fake_rasa):
    browser.get(console.url + "/chat")
    before = len(bot_texts(browser))
    markup = '<img src=x id=injected onerror="document.title=1">'
    browser.find_element(By.ID, "chat-input").send_keys(markup, Keys.ENTER)
    wait(browser, lambda d: len(bot_texts(d)) >= before + 2)
    assert browser.find_elements(By.ID, "injected") == []
    users = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".msg.user p")]
    assert users[-1] == markup
    assert markup in bot_texts(browser)[before]  # echoed back as plain text
