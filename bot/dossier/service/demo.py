"""Demo dossiers: one per status plus overdue ones, all fictional.

Codes are fixed so they can be listed in the docs; the receipt date is the one
in the code, and the promised and finished dates are re-based on today every
time the demo is seeded, so "overdue" stays true (and "on time" stays on time).
Owners, phone numbers, ID numbers and addresses are invented.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Dict, List

from bot.dossier.codes import parse_code
from bot.dossier.service.store import DossierStore
from bot.dossier.statuses import local_today

_WARD_BA_DINH = "UBND phường Ba Đình"
_POLICE_CAU_GIAY = "Công an phường Cầu Giấy"
_CITY_POLICE = "Công an thành phố Hà Nội"
_IMMIGRATION = "Phòng Quản lý xuất nhập cảnh, Công an thành phố Hà Nội"
_LAND_OFFICE = "Văn phòng Đăng ký đất đai Hà Nội"
_WARD_DONG_DA = "UBND phường Đống Đa"

_CRIMINAL_RECORD = (
    "3.000333",
    "Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú "
    "tại Việt Nam, người Việt Nam đang cư trú ở nước ngoài",
)
_RESIDENCE = ("1.004222", "Đăng ký thường trú")
_LAND = (
    "1.013978",
    "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng "
    "đất, quyền sở hữu tài sản gắn liền với đất lần đầu đối với hộ gia đình, cá "
    "nhân, cộng đồng dân cư, người gốc Việt Nam định cư ở nước ngoài",
)

# code, status, (procedure code, name), agency, due offset, finished offset,
# owner (name, phone, ID number, address), extras. Offsets are days from today.
_DEMO: List[Dict[str, Any]] = [
    dict(
        code="000.00.06.H26-261103-0001",
        status=1,
        procedure=("1.001193", "Thủ tục đăng ký khai sinh"),
        agency=_WARD_BA_DINH,
        due=None,
        finished=None,
        owner=(
            "Nguyễn Văn An",
            "0900000101",
            "001090000101",
            "Số 1 phố Giả Định, phường Ba Đình, Hà Nội",
        ),
    ),
    dict(
        code="000.00.06.H26-261104-0002",
        status=2,
        procedure=("1.000894", "Thủ tục đăng ký kết hôn"),
        agency=_WARD_BA_DINH,
        due=5,
        finished=None,
        owner=(
            "Trần Thị Bình",
            "0900000202",
            "001190000202",
            "Số 2 phố Giả Định, phường Ba Đình, Hà Nội",
        ),
    ),
    dict(
        code="000.00.11.H26-261020-0003",
        status=3,
        procedure=_RESIDENCE,
        agency=_POLICE_CAU_GIAY,
        due=None,
        finished=None,
        note="Chỗ ở đăng ký thường trú không thuộc địa bàn phường Cầu Giấy.",
        owner=(
            "Lê Văn Cường",
            "0900000303",
            "001090000303",
            "Số 3 ngõ Giả Định, phường Cầu Giấy, Hà Nội",
        ),
    ),
    dict(
        code="000.00.21.H26-261105-0004",
        status=4,
        procedure=_CRIMINAL_RECORD,
        agency=_CITY_POLICE,
        due=7,
        finished=None,
        owner=(
            "Phạm Thị Dung",
            "0900000404",
            "001190000404",
            "Số 4 phố Giả Định, phường Hoàn Kiếm, Hà Nội",
        ),
    ),
    dict(
        code="000.00.11.H26-261027-0005",
        status=5,
        procedure=_RESIDENCE,
        agency=_POLICE_CAU_GIAY,
        due=10,
        finished=None,
        missing_documents=[
            "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp",
            "Văn bản đồng ý cho đăng ký thường trú của chủ hộ",
        ],
        owner=(
            "Hoàng Văn Em",
            "0900000505",
            "001090000505",
            "Số 5 ngõ Giả Định, phường Cầu Giấy, Hà Nội",
        ),
    ),
    dict(
        code="000.00.41.H26-261012-0006",
        status=6,
        procedure=_LAND,
        agency=_LAND_OFFICE,
        due=15,
        finished=None,
        fee_due="Lệ phí trước bạ nhà, đất",
        fee_amount=1250000,
        owner=(
            "Vũ Thị Giang",
            "0900000606",
            "001190000606",
            "Số 6 phố Giả Định, phường Đống Đa, Hà Nội",
        ),
    ),
    dict(
        code="000.00.51.H26-261030-0007",
        status=7,
        procedure=("1.001612", "Đăng ký thành lập hộ kinh doanh"),
        agency=_WARD_DONG_DA,
        due=None,
        finished=None,
        note="Công dân đã nộp đơn đề nghị rút hồ sơ.",
        owner=(
            "Đặng Văn Hùng",
            "0900000707",
            "001090000707",
            "Số 7 phố Giả Định, phường Đống Đa, Hà Nội",
        ),
    ),
    dict(
        code="000.00.21.H26-261015-0008",
        status=8,
        procedure=("3.000347", "Đổi giấy phép lái xe"),
        agency=_CITY_POLICE,
        due=None,
        finished=None,
        note="Dừng xử lý: giấy phép lái xe cần xác minh với cơ quan đã cấp.",
        owner=(
            "Bùi Thị Lan",
            "0900000808",
            "001190000808",
            "Số 8 phố Giả Định, phường Hoàn Kiếm, Hà Nội",
        ),
    ),
    dict(
        code="000.00.31.H26-261102-0009",
        status=9,
        procedure=(
            "1.001456",
            "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)",
        ),
        agency=_IMMIGRATION,
        due=2,
        finished=-1,
        owner=(
            "Đỗ Văn Minh",
            "0900000909",
            "001090000909",
            "Số 9 phố Giả Định, phường Hoàn Kiếm, Hà Nội",
        ),
    ),
    dict(
        code="000.00.06.H26-261028-0010",
        status=10,
        procedure=("1.000656", "Thủ tục đăng ký khai tử"),
        agency=_WARD_BA_DINH,
        due=-6,
        finished=-8,
        owner=(
            "Ngô Thị Nga",
            "0900001010",
            "001190001010",
            "Số 10 phố Giả Định, phường Ba Đình, Hà Nội",
        ),
    ),
    dict(
        code="000.00.21.H26-261009-0011",
        status=4,
        procedure=_CRIMINAL_RECORD,
        agency=_CITY_POLICE,
        due=-3,
        finished=None,
        owner=(
            "Dương Văn Phúc",
            "0900001111",
            "001090001111",
            "Số 11 phố Giả Định, phường Hoàn Kiếm, Hà Nội",
        ),
    ),
    dict(
        code="000.00.41.H26-260915-0012",
        status=10,
        procedure=_LAND,
        agency=_LAND_OFFICE,
        due=-20,
        finished=-16,
        owner=(
            "Lý Thị Quỳnh",
            "0900001212",
            "001190001212",
            "Số 12 phố Giả Định, phường Đống Đa, Hà Nội",
        ),
    ),
]


def _shift(today: date, received: date, offset: int | None) -> date | None:
    # Never before the receipt date, whatever the machine's clock says.
    return None if offset is None else max(received, today + timedelta(days=offset))


def demo_records(today: date | None = None) -> List[Dict[str, Any]]:
    """The demo dossiers as column values, dates relative to ``today``."""
    today = today or local_today()
    records = []
    for item in _DEMO:
        received = parse_code(item["code"]).received
        name, phone, id_number, address = item["owner"]
        records.append(
            {
                "code": item["code"],
                "status": item["status"],
                "procedure_code": item["procedure"][0],
                "procedure_name": item["procedure"][1],
                "agency": item["agency"],
                "received_at": received,
                "due_at": _shift(today, received, item["due"]),
                "finished_at": _shift(today, received, item["finished"]),
                "missing_documents": item.get("missing_documents", []),
                "fee_due": item.get("fee_due"),
                "fee_amount": item.get("fee_amount"),
                "note": item.get("note"),
                "owner_name": name,
                "owner_phone": phone,
                "owner_id_number": id_number,
                "owner_address": address,
            }
        )
    return records


def seed_demo(store: DossierStore, today: date | None = None) -> int:
    """Insert or refresh the demo dossiers (idempotent); returns how many."""
    return store.upsert_many(demo_records(today))
