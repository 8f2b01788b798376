"""Masking patterns of bot.privacy, one by one: landlines, mobiles (with the separators people type),
ID numbers, names after markers, structured fields — and what must stay untouched."""
import pytest

from bot import privacy


@pytest.mark.parametrize("text, masked", [
    # landlines: area code kept, the middle hidden, the last four kept
    ("办公电话028-12345678", "办公电话028-****5678"),
    ("座机 0826-2345678 找王科长", "座机 0826-****5678 找王科长"),
    ("0826 2345678", "0826 ****5678"),
    ("电话02812345678", "电话0281****5678"),
    ("号码010-8888-6666", "号码010-****-6666"),
    ("(028)85551234", "(028)****1234"), ("（0826）2345678", "（0826）****5678"),
    # mobiles
    ("13912345678", "139****5678"),
    ("手机139-1234-5678", "手机139-****-5678"),
    ("手机 139 1234 5678 随时打", "手机 139 **** 5678 随时打"),
    ("+86 13912345678", "+86 139****5678"),
    # ID numbers (the longest pattern first: its digits are not masked as a phone)
    ("身份证110105199003072345", "身份证110105********2345"),
    ("身份证11010519900307234x。", "身份证110105********234x。"),
    # names after a marker
    ("我叫张三丰", "我叫张*丰"), ("联系人：欧阳明华", "联系人：欧**华"), ("申请人李四", "申请人李*"),
    ("姓名是王五，电话13800138000", "姓名是王*，电话138****8000"),
])
def test_mask_text_patterns(text, masked):
    assert privacy.mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "电话12345", "工单GD7KX3M9QP", "2026年1月29日", "金额0.5元", "办件号SP20260114003", "编号 12345678",
    "热线12345转1", "", "门牌号128号",
])
def test_what_is_not_personal_data_stays(text):
    assert privacy.mask_text(text) == text


def test_single_value_maskers():
    assert privacy.mask_phone("13912345678") == "139****5678"
    assert privacy.mask_phone("028-12345678") == "028*****5678"
    assert privacy.mask_phone("12345") == "*****" and privacy.mask_phone(None) == ""
    assert privacy.mask_id_number("110105199003072345") == "110105********2345"
    assert privacy.mask_id_number("1101051990") == "**********" and privacy.mask_id_number("") == ""
    assert privacy.mask_name("张三") == "张*" and privacy.mask_name("欧阳明华") == "欧**华"
    assert privacy.mask_name("张") == "*" and privacy.mask_name(None) == ""


def test_structured_values_are_masked_by_key_and_in_text():
    out = privacy.mask({"contact_name": "王五", "mobile_phone": "13900001111", "id_number": "110105199003072345",
                        "note": "请回电028-12345678", "items": ["13800138000", {"name": "李四"}], "n": 3})
    assert out == {"contact_name": "王*", "mobile_phone": "139****1111", "id_number": "110105********2345",
                   "note": "请回电028-****5678", "items": ["138****8000", {"name": "李*"}], "n": 3}
    assert privacy.mask(("13800138000",)) == ("138****8000",)


def test_landlines_are_masked_for_readers_without_contact_rights():
    ticket = {"ticket_no": "GD7KX3M9QP", "contact_phone": "028-12345678", "description": "请拨0826-2345678",
              "history": [{"reason": "回电028-87654321未接通", "data": {"tel": "010-8888-6666"}}]}
    masked = privacy.mask_ticket_for_role(ticket, "supervisor")
    assert masked["contact_phone"] == "028*****5678" and masked["description"] == "请拨0826-****5678"
    assert masked["history"][0]["reason"] == "回电028-****4321未接通"
    assert masked["history"][0]["data"] == {"tel": "010-****-6666"}
    assert privacy.mask_ticket_for_role(ticket, "handler") is ticket


def test_every_personal_field_of_a_ticket_is_masked_for_other_roles():
    ticket = {"ticket_no": "GD7KX3M9QP", "contact_phone": "13912345678", "contact_name": "欧阳明华",
              "description": "我叫张三，身份证110105199003072345", "location": "滨河路8号 电话028-12345678",
              "reply": "已联系13800138000", "history": [{"reason": None, "data": {"phone": "13700001111"}},
                                                      {"reason": "联系人李四", "data": None}, "raw event"],
              "transcript": [{"from": "caller", "text": "我的电话13600001111"}], "n": 1}
    masked = privacy.mask_ticket_for_role(ticket, "supervisor")
    assert masked == {
        "ticket_no": "GD7KX3M9QP", "contact_phone": "139****5678", "contact_name": "欧**华",
        "description": "我叫张*，身份证110105********2345", "location": "滨河路8号 电话028-****5678",
        "reply": "已联系138****8000", "history": [{"reason": None, "data": {"phone": "137****1111"}},
                                                {"reason": "联系人李*", "data": None}, "raw event"],
        "transcript": [{"from": "caller", "text": "我的电话136****1111"}], "n": 1}
    assert ticket["contact_name"] == "欧阳明华", "never mutates"
    assert privacy.mask_tickets_for_role([ticket, ticket], None) == [masked, masked]
    assert privacy.mask_tickets_for_role([ticket], "admin") == [ticket]
    empty = privacy.mask_ticket_for_role({"ticket_no": "GD7KX3M9QP", "contact_name": None, "transcript": None}, "x")
    assert empty == {"ticket_no": "GD7KX3M9QP", "contact_name": None, "transcript": None}


@pytest.mark.parametrize("key", ["name", "applicant_name", "contact_name", "citizen_name", "Name"])
def test_name_fields(key):
    assert privacy.mask({key: "王小五"}) == {key: "王*五"}


@pytest.mark.parametrize("key", ["id_number", "id_no", "idcard", "ID_NUMBER"])
def test_id_fields(key):
    assert privacy.mask({key: "11010519900307234X"}) == {key: "110105********234X"}


@pytest.mark.parametrize("key", ["phone", "contact_phone", "Phone", "mobile_phone_no"])
def test_phone_fields(key):
    assert privacy.mask({key: "13912345678"}) == {key: "139****5678"}


def test_export_rows_and_edges():
    assert privacy.mask_row_for_export({"contact_phone": "13912345678", "note": "身份证110105199003072345"}) == {
        "contact_phone": "139****5678", "note": "身份证110105********2345"}
    assert privacy.mask_text(None) == "" and privacy.mask_text("") == ""
    # local numbers without an area code keep only their last four digits
    assert privacy.mask_phone("2345678") == "***5678" and privacy.mask_phone("85551234") == "****1234"
    assert privacy.mask_phone("0282345678") == "******5678" and privacy.mask_phone("123456") == "******"
    assert privacy.mask(5) == 5 and privacy.mask(None) is None
