"""Pure rendering of Rasa replies into Telegram messages."""

from __future__ import annotations

from collections import OrderedDict

from bot.channels.telegram_render import (
    CALLBACK_DATA_LIMIT,
    OutgoingMessage,
    callback_data_for,
    payload_from_callback,
    remember_buttons,
    render_replies,
)

PROMPT = "Mời bạn chọn:"


def test_text_only_reply():
    rendered = render_replies(
        [{"recipient_id": "1", "text": "Xin chào!"}], choose_prompt=PROMPT
    )
    assert rendered.messages == [OutgoingMessage(text="Xin chào!")]
    assert rendered.button_keys == {}


def test_buttons_attach_to_last_chunk_of_a_long_text():
    text = "Câu một rất dài. " * 600  # over 4,096 characters
    buttons = [
        {"title": "Có", "payload": "/affirm"},
        {"title": "Không", "payload": "/deny"},
    ]
    rendered = render_replies(
        [{"text": text, "buttons": buttons}], choose_prompt=PROMPT
    )
    assert len(rendered.messages) == 3
    assert all(len(m.text) <= 4096 for m in rendered.messages)
    assert [m.reply_markup is not None for m in rendered.messages] == [
        False,
        False,
        True,
    ]
    rows = rendered.messages[-1].reply_markup.inline_keyboard
    assert [(r[0].text, r[0].callback_data) for r in rows] == [
        ("Có", "p:/affirm"),
        ("Không", "p:/deny"),
    ]


def test_long_payload_gets_short_key_within_64_bytes():
    payload = '/inform{"procedure": "Cấp giấy chứng nhận quyền sử dụng đất lần đầu"}'
    data, key = callback_data_for(payload)
    assert len(payload.encode()) > CALLBACK_DATA_LIMIT
    assert key and len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert callback_data_for(payload) == (data, key)  # stable across renders
    assert payload_from_callback(data, {key: payload}) == payload
    assert payload_from_callback(data, {}) is None
    assert payload_from_callback("p:/greet", {}) == "/greet"
    assert payload_from_callback("garbage", {}) is None


def test_payload_of_exactly_64_bytes_with_prefix_stays_direct():
    payload = "/" + "a" * (CALLBACK_DATA_LIMIT - 3)
    data, key = callback_data_for(payload)
    assert key is None and data == "p:" + payload and len(data.encode()) == 64


def test_buttons_without_text_get_a_prompt_and_image_follows_text():
    rendered = render_replies(
        [
            {"buttons": [{"title": "Tra hồ sơ", "payload": "/check_dossier_status"}]},
            {"text": "Ảnh minh họa", "image": "https://example.org/a.png"},
        ],
        choose_prompt=PROMPT,
    )
    assert rendered.messages[0].text == PROMPT
    assert rendered.messages[1] == OutgoingMessage(text="Ảnh minh họa")
    assert rendered.messages[2] == OutgoingMessage(photo="https://example.org/a.png")


def test_custom_text_is_shown_and_other_custom_ignored():
    rendered = render_replies(
        [{"custom": {"text": "Từ custom"}}, {"custom": {"blocks": []}}],
        choose_prompt=PROMPT,
    )
    assert [m.text for m in rendered.messages] == ["Từ custom"]


def test_remembered_buttons_are_bounded():
    chat_data = {}
    remember_buttons(chat_data, {str(i): f"/p{i}" for i in range(10)}, limit=4)
    assert isinstance(chat_data["buttons"], OrderedDict)
    assert list(chat_data["buttons"]) == ["6", "7", "8", "9"]
