"""A real conversation in Vietnamese through the running assistant.

Rasa server (trained model), action server and the reference dossier service run
as separate processes on loopback (fixture ``rasa_server``); every message goes
through the hardened REST channel, exactly as the channels send it.
"""

from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = pytest.mark.slow
OVERDUE_CODE = "000.00.21.H26-261009-0011"


def talker(server):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"

    def say(text: str):
        reply = requests.post(
            server.rest_url, json={"sender": sender, "message": text}, timeout=60
        )
        assert reply.status_code == 200
        messages = reply.json()
        assert messages, f"no reply to {text!r}"
        return "\n".join(m.get("text", "") for m in messages), messages

    return say


def test_greeting_procedure_question_follow_up_goodbye(rasa_server):
    say = talker(rasa_server)
    text, _ = say("xin chào")
    assert "Xin chào" in text and "thủ tục" in text

    text, messages = say("làm hộ chiếu cần những giấy tờ gì?")
    assert "Hồ sơ cần chuẩn bị" in text and "hộ chiếu" in text.lower()
    assert "https://dichvucong.gov.vn/" in text and "Nguồn:" in text
    buttons = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert any("Hữu ích" in b for b in buttons)

    text, _ = say("còn lệ phí thì sao?")
    assert "Phí, lệ phí" in text or "chưa công bố" in text
    assert "hộ chiếu" in text.lower()

    text, _ = say("tạm biệt")
    assert "Chào bạn" in text


def test_unaccented_question_and_unknown_procedure(rasa_server):
    say = talker(rasa_server)
    text, _ = say("dang ky ket hon nop o dau")
    assert "Nơi nộp hồ sơ" in text and "kết hôn" in text.lower()
    text, _ = say("thủ tục xin giấy phép nuôi khủng long")
    assert "chưa tìm thấy" in text and "1022" in text


def test_fallback_on_gibberish_never_guesses(rasa_server):
    say = talker(rasa_server)
    text, _ = say("qwzx plmk vbnr")
    assert "Hồ sơ cần chuẩn bị" not in text and "📋" not in text
    assert any(k in text for k in ("Có phải", "chưa hiểu", "ngoài phạm vi", "1022"))


def test_handoff_gives_the_hotline(rasa_server):
    text, _ = talker(rasa_server)("cho tôi gặp tổng đài viên")
    assert "1022" in text and "giờ hành chính" in text


def test_dossier_status_conversation(rasa_server):
    say = talker(rasa_server)
    text, _ = say("tra cứu hồ sơ")
    assert "mã hồ sơ" in text
    text, _ = say("abc")
    assert "chưa đúng định dạng" in text
    text, _ = say(f"mã của tôi là {OVERDUE_CODE.lower()}")
    assert "Đang được" in text and "quá hạn" in text and "1022" in text
