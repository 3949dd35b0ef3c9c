"""Small stand-ins for the console's backends: catalogue, report, Rasa."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

from bot.catalogue.model import Channel, Document, LegalDoc, Procedure
from bot.text import fold

PASSPORT = Procedure(
    code="2.002000",
    name="Cấp hộ chiếu phổ thông ở trong nước",
    short_name="Làm hộ chiếu",
    url="https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=2.002000",
    levels=["Cấp tỉnh"],
    agency="Phòng Quản lý xuất nhập cảnh Công an thành phố Hà Nội",
    address="44 Phạm Ngọc Thạch, Đống Đa, Hà Nội",
    channels=[
        Channel(
            kind="in_person",
            label="Trực tiếp",
            time_text="8 ngày làm việc",
            fee_text="Lệ phí: 200.000 đồng",
        ),
        Channel(
            kind="online",
            label="Trực tuyến",
            time_text="8 ngày làm việc",
            fee_text="Lệ phí: 180.000 đồng",
        ),
    ],
    documents=[
        Document(name="Tờ khai đề nghị cấp hộ chiếu", form="Mẫu TK01", copies="1"),
        Document(name="Ảnh chân dung 4x6 cm", copies="2"),
    ],
    legal_basis=[LegalDoc(name="Luật Xuất cảnh, nhập cảnh", number="49/2019/QH14")],
    source={"name": "Cổng Dịch vụ công quốc gia", "url": "https://dichvucong.gov.vn"},
    collected={"collected_vi": "giữa năm 2026", "imported": "2026-11-26"},
)
BIRTH = Procedure(
    code="1.001193",
    name="Thủ tục đăng ký khai sinh",
    short_name="Đăng ký khai sinh",
    url="https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193",
    levels=["Cấp xã"],
    agency="Ủy ban nhân dân cấp xã",
    channels=[
        Channel(kind="in_person", label="Trực tiếp", time_text="1", fee_text="Miễn phí")
    ],
    documents=[
        Document(name="Tờ khai đăng ký khai sinh", form="Mẫu tờ khai", copies="1"),
        Document(name="Giấy chứng sinh", copies="1", group="Giấy tờ phải xuất trình"),
    ],
    legal_basis=[LegalDoc(name="Luật Hộ tịch", number="60/2014/QH13")],
    source={"name": "Cổng Dịch vụ công quốc gia", "url": "https://dichvucong.gov.vn"},
    collected={"collected_vi": "giữa năm 2026", "imported": "2026-11-26"},
)
ID_CARD = Procedure(
    code="1.010000",
    name="Cấp đổi thẻ căn cước",
    short_name="Đổi thẻ căn cước",
    url="https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.010000",
    levels=["Cấp tỉnh", "Cấp xã"],
    agency="Công an cấp xã",
    channels=[
        Channel(
            kind="in_person",
            label="Trực tiếp",
            time_text="7 ngày làm việc",
            fee_text="50.000 đồng",
        )
    ],
    documents=[Document(name="Thẻ căn cước cũ", copies="1")],
    source={"name": "Cổng Dịch vụ công quốc gia", "url": "https://dichvucong.gov.vn"},
    collected={"collected_vi": "giữa năm 2026", "imported": "2026-11-26"},
)


@dataclass
class FakeHit:
    """What ``Catalogue.search`` returns."""

    procedure: Procedure
    score: float


class FakeCatalogue:
    """Token-overlap search over a few procedures, with and without diacritics."""

    def __init__(self, procedures: List[Procedure] | None = None) -> None:
        """Hold ``procedures`` (default: passport, birth, ID card)."""
        self.procedures = procedures or [PASSPORT, BIRTH, ID_CARD]

    def search(self, query: str, top: int = 10) -> List[FakeHit]:
        """Procedures sharing folded words with ``query``, best first."""
        words = set(fold(query).split())
        hits = []
        for proc in self.procedures:
            name_words = set(fold(f"{proc.name} {proc.short_name}").split())
            overlap = len(words & name_words)
            if overlap:
                hits.append(FakeHit(proc, overlap / max(len(words), 1)))
        hits.sort(key=lambda h: -h.score)
        return hits[:top]

    def get(self, code: str) -> Procedure | None:
        """The procedure with ``code``, if any."""
        return next((p for p in self.procedures if p.code == code), None)


def fake_answer(proc: Procedure) -> str:
    """A short answer text in the shape of ``answers.answer_text``."""
    docs = "\n".join(f"- {d.name}" for d in proc.documents)
    return f"{proc.display_name}\nGiấy tờ cần chuẩn bị:\n{docs}\nXem thêm: {proc.url}"


FAKE_REPORT: Dict[str, Any] = {
    "top_procedures": [
        {"code": PASSPORT.code, "name": PASSPORT.name, "count": 42},
        {"code": BIRTH.code, "name": BIRTH.name, "count": 17},
    ],
    "unanswered": [
        {"text": "xin giấy phép nuôi chó", "count": 3, "last_seen": "2026-06-01"},
        {"text": "gọi tôi số 0912345678", "count": 1, "last_seen": "2026-06-02"},
    ],
    "ratings": {"useful": 30, "not_useful": 10, "satisfaction": 0.75},
    "conversations": 120,
}


def fake_report(db_url: str, days: int = 30, top: int = 10) -> Dict[str, Any]:
    """Always :data:`FAKE_REPORT`; records its arguments on the function."""
    fake_report.calls.append({"db_url": db_url, "days": days, "top": top})
    return json.loads(json.dumps(FAKE_REPORT))


fake_report.calls = []


#: A 1x1 PNG the fake Rasa serves as a reply image.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/"
    "eLJKSQAAAABJRU5ErkJggg=="
)


class FakeRasa:
    """A loopback stand-in for Rasa's REST channel that echoes with a button."""

    def __init__(self) -> None:
        """Bind to a free loopback port (not yet serving)."""
        self.received: List[Dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                owner.received.append({"path": self.path, "body": body})
                reply = [
                    {
                        "recipient_id": body.get("sender"),
                        "text": f"Bạn hỏi: {body.get('message')} — xem "
                        "https://dichvucong.gov.vn/p/home.html",
                    },
                    {
                        "recipient_id": body.get("sender"),
                        "image": owner.url + "/dot.png",
                    },
                    {
                        "recipient_id": body.get("sender"),
                        "text": "Anh/chị cần gì thêm?",
                        "buttons": [
                            {"title": "Lệ phí", "payload": "/ask_fee"},
                            {"title": "Thời hạn", "payload": "/ask_processing_time"},
                        ],
                    },
                ]
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PIXEL_PNG)))
                self.end_headers()
                self.wfile.write(PIXEL_PNG)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeRasa:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
