"""Pure logic of the foundation: identifiers, masking, normalisation, settings, fingerprint."""
import json
import logging

import pytest

from bot import identifiers, privacy
from bot.identifiers import id_check_char, is_valid_id_number
from bot.logs import JsonFormatter, MaskingFilter
from bot.nlu.normalize import has_content, normalize_text, to_simplified
from bot.settings import to_async_url, to_sync_url


def make_id(first17: str) -> str:
    return first17 + id_check_char(first17)


class TestIdentifiers:
    def test_valid_id_number_check_digit(self):
        good = make_id("51160219900101123")
        assert is_valid_id_number(good)
        wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
        assert not is_valid_id_number(wrong)

    def test_known_public_example_with_x(self):
        # GB 11643 worked example: 11010519491231002X
        assert is_valid_id_number("11010519491231002X")
        assert is_valid_id_number("11010519491231002x")

    @pytest.mark.parametrize("value", ["", "123", "5116021990010112345", "51160219900101123A"])
    def test_malformed_id_numbers(self, value):
        assert not is_valid_id_number(value)

    def test_mobile(self):
        assert identifiers.is_valid_mobile("13812345678")
        assert identifiers.is_valid_mobile("+86 138-1234-5678")
        assert not identifiers.is_valid_mobile("12812345678")
        assert not identifiers.is_valid_mobile("1381234567")

    def test_ticket_numbers_have_no_ambiguous_characters(self):
        for _ in range(200):
            no = identifiers.new_ticket_no()
            assert identifiers.is_valid_ticket_no(no)
            assert not set(no[2:]) & set("01OI")
        assert identifiers.is_valid_ticket_no("gd7kx3m9qp")
        assert not identifiers.is_valid_ticket_no("GD7KX3M9Q0")



class TestMasking:
    def test_phone_id_and_names_in_text(self):
        idn = make_id("51160219900101123")
        text = f"我叫张三，电话13812345678，身份证{idn}，联系人欧阳明华"
        masked = privacy.mask_text(text)
        assert "13812345678" not in masked and "138****5678" in masked
        assert idn not in masked and masked.count(idn[:6] + "********" + idn[-4:]) == 1
        assert "张三" not in masked and "我叫张*" in masked
        assert "欧阳明华" not in masked and "欧**华" in masked

    def test_structured_fields(self):
        out = privacy.mask({"applicant_name": "李四", "contact_phone": "13900001111", "note": "ok"})
        assert out == {"applicant_name": "李*", "contact_phone": "139****1111", "note": "ok"}

    def test_log_records_are_masked(self, caplog):
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "call from %s", ("13812345678",), None)
        record.phone = "13912345678"
        MaskingFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
        assert line["msg"] == "call from 138****5678"
        assert line["phone"] == "139****5678"


class TestNormalize:
    def test_traditional_to_simplified(self):
        assert to_simplified("請問辦身份證要帶什麼資料") == "请问办身份证要带什么资料"

    def test_length_preserved_and_fullwidth(self):
        text = "查詢ＳＰ２０２６\x00進度\t"
        out = normalize_text(text)
        assert len(out) == len(text)
        assert out.startswith("查询SP2026") and "\x00" not in out

    def test_gesture_emoji_read_as_words(self):
        # a thumbs-up or OK sign sent as the whole reply means 好; other emoji stay symbols
        assert normalize_text("👌") == "好" and normalize_text("❌") == "不" and normalize_text("谢谢🙏") == "谢谢谢"
        text = "👍 好的😀"
        assert normalize_text(text) == "好 好的😀" and len(normalize_text(text)) == len(text)
        assert not has_content(normalize_text("😀🙂"))

    def test_overlong_cut(self):
        assert len(normalize_text("办" * 10_000)) == 1000

    @pytest.mark.parametrize("text,expected", [("", False), ("   ", False), ("😀😀", False),
                                               ("\x01\x02", False), ("？！", False), ("你好", True), ("a", True)])
    def test_has_content(self, text, expected):
        assert has_content(text) is expected


def test_database_url_conversions():
    assert to_async_url("sqlite:///var/app.db") == "sqlite+aiosqlite:///var/app.db"
    assert to_async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert to_sync_url("postgresql+asyncpg://u@h/db") == "postgresql://u@h/db"
    assert to_sync_url("postgres://u@h/db") == "postgresql://u@h/db"


def test_fingerprint_changes_with_training_data(tmp_path):
    from bot.nlu.fingerprint import model_fingerprint

    for name in ("config.yml", "domain.yml"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "data" / "test").mkdir(parents=True)
    (tmp_path / "data" / "nlu.yml").write_text("a", encoding="utf-8")
    first = model_fingerprint(tmp_path)
    (tmp_path / "data" / "test" / "nlu.yml").write_text("held out", encoding="utf-8")
    assert model_fingerprint(tmp_path) == first, "the held-out split must not trigger retraining"
    (tmp_path / "data" / "nlu.yml").write_text("b", encoding="utf-8")
    assert model_fingerprint(tmp_path) != first


def test_phone_normalisation_strips_only_a_country_prefix():
    assert identifiers.normalize_phone("+86 139-1234-5678") == "13912345678"
    assert identifiers.normalize_phone("86 (139) 1234 5678") == "13912345678"
    assert identifiers.normalize_phone("（028）8555-1234") == "02885551234"
    assert identifiers.normalize_phone("8613912345") == "8613912345"          # 10 digits: no prefix to strip
    assert identifiers.normalize_phone("1391234567890") == "1391234567890"    # 13 digits not starting 86
    assert identifiers.normalize_phone(None) == "" and not identifiers.is_valid_mobile(None)
    assert identifiers.is_valid_mobile("+86 139 1234 5678") and not identifiers.is_valid_mobile("12912345678")
    assert not identifiers.is_valid_id_number(None) and not identifiers.is_valid_ticket_no(None)
