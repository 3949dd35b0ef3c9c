"""Hostile and odd inputs for the fuzz tests, generated deterministically.

None of the inputs contains a marker that :data:`LEAK_PATTERNS` looks for, so a
marker in a reply can only come from the server, even if the bot echoes text.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from typing import Dict, List, Tuple

SEED = 20251126
LONG_LENGTH = 20_000
RANDOM_MAX_LENGTH = 400

# What a leaked stack trace or source location looks like.
LEAK_PATTERNS = [
    re.compile(r"Traceback"),
    re.compile(r"Exception"),
    re.compile(r"File \"[^\"]+\", line \d+"),
    re.compile(r"site-packages"),
    re.compile(r"(?:/[\w.\-]+)+\.py\b"),
]

EMPTYISH = ["", " ", "\t", "\n", "\r\n", "   \n\t  "]
EMOJI = ["😀", "👨‍👩‍👧‍👦", "🇻🇳", "👍🏽", "🤖🔥💯", "❤️", "🏳️‍🌈", "🧑‍🚀", "🫠"]
CONTROL = ["\x00", "\x01\x02\x03", "\x07", "\x08", "\x1b[31mđỏ\x1b[0m", "\x7f", "\x85",
           "\u2028", "\u2029", "\x0c", "\x0b", "\r"]  # fmt: skip
HTML = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<b>in đậm</b>",
        "</div></body>", "<!-- chú thích -->", "&lt;&amp;&#x27;", "javascript:alert(1)",
        "<iframe src=//127.0.0.1>", "{{7*7}}", "${7*7}", "<%= 7*7 %>",
        "<svg/onload=alert(1)>", "\"><script>x</script>"]  # fmt: skip
SQL = ["'; DROP TABLE events; --", "1 OR 1=1", "\" OR \"\"=\"", "admin'--",
       "UNION SELECT * FROM events", "1; SELECT pg_sleep(5)",
       "%' AND 1=0 UNION SELECT NULL--", "hồ sơ' OR '1'='1"]  # fmt: skip
MIXED = ["xin chào 你好 привет مرحبا שלום こんにちは", "hộ chiếu паспорт 护照 passport",
         "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ", "𝐱𝐢𝐧 𝐜𝐡à𝐨", "ℌ𝔢𝔩𝔩𝔬", "ʇxǝʇ uʍop ǝpısdn",
         "Ꭓin ϲhào"]  # fmt: skip
RTL = ["مرحبا كيف حالك", "שלום עולם", "\u202eoàhc nix\u202c", "\u200fxin chào\u200e",
       "abc\u202edef\u202cghi", "\u2067cô lập\u2069", "\u061c"]  # fmt: skip
ZERO_WIDTH = ["\u200b", "x\u200bi\u200bn", "\u200c\u200d", "\ufeffxin chào",
              "c\u00adh\u00adà\u00ado", "\u2060", "\u180e", "\u200b" * 50]  # fmt: skip
SURROGATES = ["\ud800", "\udfff", "\ud83d", "\udc00\ud800", "a\ud800b", "\ud83d\ude00"]
VIETNAMESE = ["làm hộ chiếu cần giấy tờ gì", "lam ho chieu can giay to gi",
              "LÀM HỘ CHIẾU!!!", "ko bít làm sao đc", "hộ chiếu???", "cccd", "sổ đỏ",
              "tra cứu hồ sơ", "gplx hết hạn", "khai sinh cho bé"]  # fmt: skip
COMMANDS = ["/", "/greet", "/restart", "/session_start",
            '/greet{"procedure": "hộ chiếu"}', '/greet{"a":', "/nonexistent_intent",
            "/greet@0.5", "/" + "a" * 1000,
            '/inform_dossier_code{"dossier_code": "000.00.06.H26-231027-0361"}',
            "/greet{}", "//", "/ greet"]  # fmt: skip
FORMAT = ["%s%s%s%n", "{0}{1}", "%(name)s", "\\x00", "\\u0000", "\\", '"', "'", "`",
          "null", "None", "undefined", "NaN", "true", "[]", "{}", "../../etc/passwd",
          "C:\\Windows\\win.ini", "${jndi:ldap://127.0.0.1/a}", "$(reboot)", "; ls -la",
          "| cat /etc/passwd", "\\n\\r\\t"]  # fmt: skip
NUMBERS = ["0", "-1", "1e309", "99999999999999999999999", "0x41",
           "000.00.06.H26-231027-0361", "000.A0.01.H26-210212-9090", "HS-" + "9" * 100,
           "0912345678", "١٢٣", "½", "Ⅻ"]  # fmt: skip
COMBINING = ["x̸̡̢̛͎͓̱̠̳̥̫͎̐̑̿̿͂̌̾ͅi̷n", "a" + "\u0301" * 500, "ừ" * 100]

CATEGORIES: Dict[str, List[str]] = {
    "emptyish": EMPTYISH,
    "emoji": EMOJI,
    "control": CONTROL,
    "html": HTML,
    "sql": SQL,
    "mixed": MIXED,
    "rtl": RTL,
    "zero_width": ZERO_WIDTH,
    "surrogates": SURROGATES,
    "vietnamese": VIETNAMESE,
    "commands": COMMANDS,
    "format": FORMAT,
    "numbers": NUMBERS,
    "combining": COMBINING,
}


def long_messages() -> List[str]:
    """Messages of exactly :data:`LONG_LENGTH` characters, of various shapes."""
    shapes = ["a", "xin chào ", "😀", "thủ tục hộ chiếu, ", "<script>", "\u200b", "ừ "]
    return [(shape * LONG_LENGTH)[:LONG_LENGTH] for shape in shapes]


def _random_codepoints(rng: random.Random, length: int) -> str:
    ranges = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x24F), (0x300, 0x36F),
              (0x590, 0x6FF), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x4E00, 0x4FFF),
              (0xD800, 0xDFFF), (0xE000, 0xE0FF), (0xFFF0, 0xFFFF),
              (0x1F300, 0x1FAFF), (0x10FF00, 0x10FFFF)]  # fmt: skip
    chars = []
    for _ in range(length):
        low, high = rng.choice(ranges)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def generate_messages(count: int = 2000, seed: int = SEED) -> List[Tuple[str, str]]:
    """``count`` or more ``(category, text)`` pairs: crafted first, then random.

    Every crafted fragment is sent once on its own, every long shape once; the
    rest mixes fragments, random code points (lone surrogates included) and
    Unicode normal forms.
    """
    rng = random.Random(seed)
    messages: List[Tuple[str, str]] = []
    for name, fragments in CATEGORIES.items():
        messages.extend((name, fragment) for fragment in fragments)
    messages.extend(("long", text) for text in long_messages())
    fragments = [(n, f) for n, group in CATEGORIES.items() for f in group]
    while len(messages) < count:
        roll = rng.random()
        if roll < 0.15:
            text = _random_codepoints(rng, rng.randint(1, 300))
            messages.append(("random_codepoints", text))
            continue
        picked = rng.sample(fragments, rng.randint(1, 4))
        separator = rng.choice([" ", "", "\n", " \u200b "])
        text = separator.join(fragment for _, fragment in picked)
        if roll < 0.3:
            text = unicodedata.normalize(rng.choice(["NFD", "NFKC", "NFKD"]), text)
        elif roll < 0.4:
            text = text * rng.randint(2, 5)
        # Short enough to keep 2,000 turns within minutes; length itself is
        # covered by the long messages above.
        messages.append(("+".join(n for n, _ in picked), text[:RANDOM_MAX_LENGTH]))
    return messages


def leaks(body: str) -> str | None:
    """The first leak marker found in ``body``, or None."""
    for pattern in LEAK_PATTERNS:
        match = pattern.search(body)
        if match:
            return match.group(0)
    return None


def assert_inputs_clean(messages: List[Tuple[str, str]]) -> None:
    """Fail loudly if an input itself carries a leak marker (a broken generator)."""
    for _, text in messages:
        marker = leaks(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        assert marker is None, f"fuzz input carries leak marker {marker!r}"


def malformed_requests() -> List[Tuple[str, bytes, str | None]]:
    """``(name, body, content type)`` of broken webhook requests."""
    ok_body = json.dumps({"sender": "fuzz-malformed", "message": "xin chào"}).encode()
    json_ct = "application/json"
    cases: List[Tuple[str, bytes, str | None]] = [
        ("empty body", b"", json_ct),
        ("truncated object", b"{", json_ct),
        ("not json", b"not json at all", json_ct),
        ("json array", b"[]", json_ct),
        ("json null", b"null", json_ct),
        ("json number", b"123", json_ct),
        ("json string", b'"xin chao"', json_ct),
        ("json true", b"true", json_ct),
        ("empty object", b"{}", json_ct),
        ("missing sender", b'{"message": "xin chao"}', json_ct),
        ("missing message", b'{"sender": "fuzz-a"}', json_ct),
        ("null message", b'{"sender": "fuzz-a", "message": null}', json_ct),
        ("number message", b'{"sender": "fuzz-a", "message": 5}', json_ct),
        ("object message", b'{"sender": "fuzz-a", "message": {"x": 1}}', json_ct),
        ("list message", b'{"sender": "fuzz-a", "message": ["x"]}', json_ct),
        ("null sender", b'{"sender": null, "message": "xin chao"}', json_ct),
        ("number sender", b'{"sender": 5, "message": "xin chao"}', json_ct),
        ("object sender", b'{"sender": {"id": 1}, "message": "xin chao"}', json_ct),
        ("string metadata", b'{"sender": "fuzz-a", "message": "hi", "metadata": "x"}',
         json_ct),
        ("list metadata", b'{"sender": "fuzz-a", "message": "hi", "metadata": [1]}',
         json_ct),
        ("deep nesting", b"[" * 10000 + b"]" * 10000, json_ct),
        ("deep object", b'{"a":' * 5000 + b"1" + b"}" * 5000, json_ct),
        ("invalid utf-8", b'{"sender": "fuzz-a", "message": "\xff\xfe\xfa"}', json_ct),
        ("utf-8 bom", b"\xef\xbb\xbf" + ok_body, json_ct),
        ("utf-16", json.dumps({"sender": "fuzz-a", "message": "hi"}).encode("utf-16"),
         json_ct),
        ("duplicate keys", b'{"sender": "a", "sender": "b", "message": "hi"}', json_ct),
        ("megabyte of junk", b"x" * 1_000_000, json_ct),
        ("text/plain", ok_body, "text/plain"),
        ("form", b"sender=fuzz-a&message=xin+chao",
         "application/x-www-form-urlencoded"),
        ("multipart", b"--b\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n"
         b"hi\r\n--b--\r\n", "multipart/form-data; boundary=b"),
        ("xml", b"<message>xin chao</message>", "application/xml"),
        ("no content type", ok_body, None),
        ("latin-1 charset", '{"sender": "a", "message": "ch\xe0o"}'.encode("latin-1"),
         "application/json; charset=latin-1"),
        ("bogus content type", ok_body, "application/x-does-not-exist"),
    ]  # fmt: skip
    return cases
