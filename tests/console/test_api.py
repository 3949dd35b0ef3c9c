"""Plain HTTP tests of the console: access control, API routes, chat relay."""

from __future__ import annotations

import logging

import pytest
import requests

from bot.console.auth import COOKIE_NAME, HEADER_NAME
from tests.console.conftest import (
    ACCESS_KEY,
    DEMO_DOSSIER,
    DEMO_OWNER,
    DEMO_VERIFY,
    UNKNOWN_DOSSIER,
)
from tests.console.fakes import FAKE_REPORT, fake_report

STAFF = {HEADER_NAME: ACCESS_KEY}
TIMEOUT = 10


def get(server, path, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return requests.get(server.url + path, **kwargs)


def login(server) -> requests.Session:
    session = requests.Session()
    response = session.post(
        server.url + "/login", data={"key": ACCESS_KEY}, allow_redirects=False
    )
    assert response.status_code == 303
    return session


# --- access control ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login"])
def test_pages_refuse_without_configured_key(console_without_key, path):
    response = get(console_without_key, path, allow_redirects=False)
    assert response.status_code == 503
    assert "CONSOLE_ACCESS_KEY" in response.text
    assert "text/html" in response.headers["Content-Type"]


@pytest.mark.parametrize("path", ["/api/search?q=ho+chieu", "/api/report"])
def test_api_refuses_without_configured_key(console_without_key, path):
    response = get(console_without_key, path, headers=STAFF)
    assert response.status_code == 503
    assert response.json()["error"] == "console_disabled"


def test_chat_page_needs_no_key(console_without_key):
    response = get(console_without_key, "/chat")
    assert response.status_code == 200
    assert "chat.js" in response.text


def test_console_redirects_to_login_without_session(console):
    response = get(console, "/", allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_api_without_session_is_401_json(console):
    response = get(console, "/api/search?q=ho+chieu")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_api_with_wrong_header_key_is_401(console):
    response = get(console, "/api/search?q=ho+chieu", headers={HEADER_NAME: "nope"})
    assert response.status_code == 401


def test_wrong_key_login_is_refused(console):
    response = requests.post(
        console.url + "/login", data={"key": "wrong"}, allow_redirects=False
    )
    assert response.status_code == 401
    assert "Khóa truy cập không đúng" in response.text
    assert COOKIE_NAME not in response.cookies


def test_login_sets_strict_httponly_signed_cookie(console):
    response = requests.post(
        console.url + "/login", data={"key": ACCESS_KEY}, allow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie
    assert "SameSite=Strict" in set_cookie
    assert ACCESS_KEY not in set_cookie
    session = requests.Session()
    session.cookies.set(COOKIE_NAME, response.cookies[COOKIE_NAME])
    assert session.get(console.url + "/", timeout=TIMEOUT).status_code == 200
    api = session.get(console.url + "/api/search?q=ho+chieu", timeout=TIMEOUT)
    assert api.status_code == 200


def test_tampered_cookie_is_refused(console):
    token = login(console).cookies[COOKIE_NAME]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for cookie in (token, forged):
        status = get(console, "/api/report", cookies={COOKIE_NAME: cookie}).status_code
        assert status == (200 if cookie == token else 401)


def test_logout_ends_session(console):
    session = login(console)
    response = session.post(console.url + "/logout", allow_redirects=False)
    assert response.status_code == 303
    assert session.get(console.url + "/", allow_redirects=False).status_code == 303


def test_repeated_wrong_keys_are_throttled(make_console):
    server = make_console()
    statuses = [
        requests.post(
            server.url + "/login", data={"key": "x"}, timeout=TIMEOUT
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # Even the right key waits until the window passes.
    ok = requests.post(server.url + "/login", data={"key": ACCESS_KEY}, timeout=TIMEOUT)
    assert ok.status_code == 429


def test_security_headers(console):
    response = get(console, "/api/search?q=ho+chieu", headers=STAFF)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_hold_no_external_resources(console):
    session = login(console)
    for path in ["/", "/login", "/chat"]:
        page = session.get(console.url + path, timeout=TIMEOUT).text
        assert "http://" not in page and "https://" not in page, path


# --- search and procedures -----------------------------------------------------


def test_search_with_and_without_diacritics(console):
    accented = get(console, "/api/search?q=hộ chiếu", headers=STAFF).json()
    plain = get(console, "/api/search?q=ho chieu", headers=STAFF).json()
    assert accented["results"], accented
    assert plain["results"], plain
    assert accented["results"][0]["code"] == plain["results"][0]["code"]
    hit = plain["results"][0]
    assert set(hit) >= {"code", "name", "short_name", "score"}
    assert 0 <= hit["score"] <= 1


def test_search_empty_query_and_top_bounds(console):
    assert get(console, "/api/search?q=", headers=STAFF).json()["results"] == []
    many = get(console, "/api/search?q=giay&top=500", headers=STAFF).json()
    assert len(many["results"]) <= 50
    one = get(console, "/api/search?q=giay&top=1", headers=STAFF).json()
    assert len(one["results"]) <= 1
    bad = get(console, "/api/search?q=giay&top=abc", headers=STAFF)
    assert bad.status_code == 200


def test_procedure_card_data_and_answer(console, answer_fn, catalogue):
    code = get(console, "/api/search?q=khai sinh", headers=STAFF).json()["results"][0][
        "code"
    ]
    data = get(console, f"/api/procedure/{code}", headers=STAFF).json()
    proc = data["procedure"]
    assert proc["code"] == code
    assert {"documents", "channels", "legal_basis", "source", "collected"} <= set(proc)
    assert data["answer_text"] == answer_fn(catalogue.get(code))


def test_unknown_procedure_is_404(console):
    response = get(console, "/api/procedure/9.999999", headers=STAFF)
    assert response.status_code == 404
    assert response.json()["message"]


# --- dossier -------------------------------------------------------------------


def test_dossier_found_without_verification_hides_owner(console):
    response = get(console, f"/api/dossier?code={DEMO_DOSSIER}", headers=STAFF)
    assert response.status_code == 200, response.text
    dossier = response.json()["dossier"]
    assert dossier["code"] == DEMO_DOSSIER
    assert dossier["status_label"]
    assert dossier["owner"] is None
    assert DEMO_OWNER not in response.text


def test_dossier_with_verification_shows_owner(console):
    response = get(
        console, f"/api/dossier?code={DEMO_DOSSIER}&verify={DEMO_VERIFY}", headers=STAFF
    )
    assert response.status_code == 200, response.text
    dossier = response.json()["dossier"]
    assert dossier["verified"] is True
    # The service reveals only a masked name: "Nguyễn V*** A***".
    assert dossier["owner"]["name"].startswith(DEMO_OWNER.split()[0])


def test_dossier_wrong_verification_is_refused(console):
    masked = DEMO_OWNER.split()[-1]
    response = get(
        console, f"/api/dossier?code={DEMO_DOSSIER}&verify=9876", headers=STAFF
    )
    assert response.status_code == 403
    assert response.json()["error"] == "verification_failed"
    assert masked not in response.text


def test_dossier_code_is_found_in_free_text(console):
    text = "ma ho so 000.00.06.h26 - 261103 - 0001 nhe"
    response = get(console, "/api/dossier", params={"code": text}, headers=STAFF)
    assert response.json()["dossier"]["code"] == DEMO_DOSSIER


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("", 400, "code_missing"),
        ("12345", 400, "invalid_code"),
        (UNKNOWN_DOSSIER, 404, "not_found"),
    ],
)
def test_dossier_errors(console, code, status, error):
    response = get(console, "/api/dossier", params={"code": code}, headers=STAFF)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["message"]


def test_dossier_backend_down(make_console):
    server = make_console()  # its DOSSIER_API_URL is a closed loopback port
    response = get(server, f"/api/dossier?code={DEMO_DOSSIER}", headers=STAFF)
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"


def test_dossier_lookup_does_not_log_query(console, caplog):
    caplog.set_level(logging.DEBUG)
    path = f"/api/dossier?code={DEMO_DOSSIER}&verify={DEMO_VERIFY}"
    assert get(console, path, headers=STAFF).status_code == 200
    # The server's loggers only (the test's own HTTP client logs its URLs).
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("bot", "sanic"))
    )
    assert "/api/dossier" in logged  # the access line is there...
    assert DEMO_VERIFY not in logged  # ...without the query string
    assert DEMO_OWNER not in logged
    assert ACCESS_KEY not in logged


# --- report --------------------------------------------------------------------


def test_report_passes_arguments_and_masks_numbers(console):
    fake_report.calls.clear()
    data = get(console, "/api/report?days=7&top=5", headers=STAFF).json()
    assert fake_report.calls[-1]["days"] == 7
    assert fake_report.calls[-1]["top"] == 5
    assert data["ratings"] == FAKE_REPORT["ratings"]
    assert data["top_procedures"][0]["count"] == 42
    assert all("0912345678" not in q["text"] for q in data["unanswered"])


def test_report_failure_is_503(make_console):
    def broken(db_url, days=30, top=10):
        raise RuntimeError("no such table")

    server = make_console(report_fn=broken)
    response = get(server, "/api/report", headers=STAFF)
    assert response.status_code == 503
    assert response.json()["error"] == "report_unavailable"


# --- chat relay ----------------------------------------------------------------


def test_chat_relays_to_rasa(console, fake_rasa):
    response = requests.post(
        console.url + "/chat/api",
        json={"sender": "web-test-1", "message": "làm hộ chiếu"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    replies = response.json()
    assert replies[0]["text"].startswith("Bạn hỏi: làm hộ chiếu")
    assert replies[1]["image"] == fake_rasa.url + "/dot.png"
    assert replies[2]["buttons"][0] == {"title": "Lệ phí", "payload": "/ask_fee"}
    assert fake_rasa.received[-1] == {
        "path": "/webhooks/rest/webhook",
        "body": {"sender": "web-test-1", "message": "làm hộ chiếu"},
    }


def test_chat_with_rasa_down_answers_politely(make_console):
    server = make_console()  # its RASA_URL is a closed loopback port
    response = requests.post(
        server.url + "/chat/api", json={"sender": "web-x", "message": "xin chào"}
    )
    assert response.status_code == 200
    (reply,) = response.json()
    assert "1022" in reply["text"]
    assert reply["recipient_id"] == "web-x"


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "web-x", "message": "   "},
        {"sender": "<script>", "message": "hi"},
        {"message": "hi"},
        {"sender": "web-x", "message": "x" * 2001},
        ["not", "an", "object"],
    ],
)
def test_chat_rejects_bad_bodies(console, body):
    response = requests.post(console.url + "/chat/api", json=body, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["message"]


def test_chat_rejects_non_json(console):
    response = requests.post(
        console.url + "/chat/api",
        data=b"{not json",
        timeout=TIMEOUT,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
