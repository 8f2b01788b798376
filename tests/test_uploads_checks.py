"""The pre-check's reading and checks on documents the tests render themselves (Noto CJK) and read
back with the real offline OCR (RapidOCR, models shipped in the wheel): a good ID card, an expired
one, a wrong check digit, a name that is not the applicant's, a sideways blurred photo, a generic
paper and the wrong paper; and the hostile-file handling of every accepted and refused type.
One OCR engine serves the module; images are small (about 560×180) to keep it quick."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from bot.calendar import local_today
from bot.identifiers import is_valid_uscc, uscc_check_char
from bot.uploads import checks, ocr
from bot.uploads.sanitize import Rejected, clean, sniff
from bot.uploads.service import read_text
from tests.uploads_helpers import (SVG_SCRIPT, id_back, id_front, id_number, jpeg, paper, pdf_with_text, png,
                                   pdf_scan, png_bomb, rotated_blurred, wrong_check, zip_bomb)

LIMITS = dict(max_bytes=8 * 1024 * 1024, max_pixels=40_000_000, max_pages=10)
TODAY = local_today()
GOOD = id_number()
NAME = "张三丰"


@pytest.fixture(scope="module")
def engine():
    return ocr.get_engine()


def read(engine, image_bytes: bytes) -> str:
    """Upload path: sanitize (decode, re-encode) then OCR."""
    return read_text(clean(image_bytes, **LIMITS), engine)


@pytest.fixture(scope="module")
def texts(engine):
    """OCR text of each rendered document, read once for the module."""
    return {
        "front": read(engine, jpeg(id_front(NAME, GOOD))),
        "front_bad_check": read(engine, png(id_front(NAME, wrong_check(GOOD)))),
        "back": read(engine, jpeg(id_back(TODAY - timedelta(days=3650), TODAY + timedelta(days=400)))),
        "back_expired": read(engine, jpeg(id_back(TODAY - timedelta(days=3680), TODAY - timedelta(days=30)))),
        "front_rotated": read(engine, jpeg(rotated_blurred(id_front(NAME, GOOD)))),
        "bill": read(engine, jpeg(paper(["广安市人民医院", "住院费用明细清单", "床位费 120.00"]))),
        # a scanned PDF: no text layer, its picture decoded through the image path and read
        "scan_pdf": read(engine, pdf_scan(id_front(NAME, GOOD))),
    }


def _reading(file_id, text, material=None):
    return checks.FileReading(file_id, text, material)


ID_MATERIAL = ("本人居民身份证", "原件")


def _one(texts, keys, name=NAME, material=ID_MATERIAL):
    results, others, _ = checks.evaluate([material], [_reading(k, texts[k]) for k in keys], name, TODAY)
    return results[0], others


def test_ocr_reads_the_rendered_card(texts):
    facts = checks.id_card_facts(texts["front"] + "\n" + texts["back"])
    assert facts.number == GOOD and facts.name == NAME
    assert facts.valid_to == TODAY + timedelta(days=400)
    assert checks.classify(texts["front"]) == "id_card" and checks.classify(texts["back"]) == "id_card"


def test_good_card_both_sides_is_present(texts):
    result, others = _one(texts, ["front", "back"])
    assert (result.status, result.reasons, others) == (checks.PRESENT, [], [])
    assert sorted(result.files) == ["back", "front"]


def test_expired_card(texts):
    result, _ = _one(texts, ["front", "back_expired"])
    assert result.status == checks.PROBLEM
    assert any("已过有效期限" in r and f"{TODAY - timedelta(days=30):%Y.%m.%d}" in r for r in result.reasons)


def test_wrong_check_digit(texts):
    result, _ = _one(texts, ["front_bad_check", "back"])
    assert result.status == checks.PROBLEM and any("校验位不符" in r for r in result.reasons)


def test_name_mismatch_against_what_the_applicant_typed(texts):
    result, _ = _one(texts, ["front", "back"], name="李四")
    assert result.status == checks.PROBLEM
    assert any("张三丰" in r and "李四" in r and "不一致" in r for r in result.reasons)
    assert _one(texts, ["front", "back"], name=" 张三丰 ".strip())[0].status == checks.PRESENT


def test_one_side_only_is_a_problem(texts):
    result, _ = _one(texts, ["front"])
    assert result.status == checks.PROBLEM and any("国徽面" in r for r in result.reasons)
    result, _ = _one(texts, ["back"])
    assert result.status == checks.PROBLEM and any("人像面" in r for r in result.reasons)


def test_scanned_pdf_is_read_from_its_picture(texts):
    facts = checks.id_card_facts(texts["scan_pdf"])
    assert (facts.number, facts.name) == (GOOD, NAME)


def test_rotated_blurred_photo_still_reads(texts):
    facts = checks.id_card_facts(texts["front_rotated"])
    assert facts.number == GOOD and facts.name == NAME
    assert _one(texts, ["front_rotated", "back"])[0].status == checks.PRESENT


def test_generic_material_by_its_name(texts):
    materials = [("费用明细清单", "原件"), ("医疗收费票据", "原件"), ("申请补领婚姻登记证声明书", "现场填写")]
    results, others, on_site = checks.evaluate(materials, [_reading("bill", texts["bill"])], NAME, TODAY)
    by = {r.name: r for r in results}
    assert by["费用明细清单"].status == checks.PRESENT and by["费用明细清单"].files == ["bill"]
    assert (by["医疗收费票据"].status, by["医疗收费票据"].reasons) == (checks.MISSING, ["没有上传"])
    assert on_site == ["申请补领婚姻登记证声明书"] and others == []


def test_wrong_paper_labelled_as_a_material(texts):
    # the bill uploaded as the ID card: the ID card is a problem, and says what was read instead
    results, _, _ = checks.evaluate([ID_MATERIAL], [_reading("bill", texts["bill"], "本人居民身份证")], NAME, TODAY)
    assert results[0].status == checks.PROBLEM and "看起来不是这份材料" in results[0].reasons[0]
    # an ID card labelled as the bill: named as an ID card
    results, _, _ = checks.evaluate([("费用明细清单", "原件")], [_reading("f", texts["front"], "费用明细清单")], NAME, TODAY)
    assert results[0].status == checks.PROBLEM and "读到的是居民身份证" in results[0].reasons[0]


def test_unreadable_photo_and_unmatched_file():
    blank = _reading("x", "")
    results, others, _ = checks.evaluate([ID_MATERIAL], [blank], NAME, TODAY)
    assert results[0].status == checks.MISSING
    assert others == [{"file": "x", "doc_type": None, "reason": blank.problems[0]}] and "重拍" in blank.problems[0]


def test_names_across_documents(texts):
    hukou = "居民户口簿\n常住人口登记卡\n姓名 李四 户主或与户主关系 户主\n性别 男"
    material = ("申请人居民身份证或户口簿", "原件")
    # no name typed: the ID card's name is the reference, and the 户口簿 page is someone else's
    results, _, _ = checks.evaluate([material], [_reading("id", texts["front"]), _reading("id2", texts["back"]),
                                                 _reading("hk", hukou)], None, TODAY)
    assert results[0].status == checks.PROBLEM
    assert results[0].reasons == ["居民户口簿上的姓名（李四）与身份证上的姓名「张三丰」不一致"]
    # the applicant's own page agrees
    own = hukou.replace("李四", "张三丰")
    results, _, _ = checks.evaluate([material], [_reading("hk", own)], "张三丰", TODAY)
    assert (results[0].status, results[0].reasons) == (checks.PRESENT, [])
    # a parent's 户口簿 carries the parent's name: not compared
    results, _, _ = checks.evaluate([("父亲的居民户口簿", "原件")], [_reading("hk", hukou)], "张三丰", TODAY)
    assert results[0].status == checks.PRESENT
    assert checks.names_in("结婚证\n持证人 王五\n姓名 王五 性别 男\n姓名 赵六 性别 女") == ["王五", "赵六"]


def test_business_licence_credit_code_on_text():
    good = "91350100M000100Y4" + uscc_check_char("91350100M000100Y4")
    assert is_valid_uscc(good) and not is_valid_uscc(good[:17] + "0")
    ok = checks.check_file(_reading("l", f"营业执照\n统一社会信用代码 {good}\n名称 广安某某商店"), None, TODAY)
    bad = checks.check_file(_reading("l", f"营业执照\n统一社会信用代码 {good[:17]}0"), None, TODAY)
    assert (ok.doc_type, ok.problems) == ("business_licence", [])
    assert any("校验位不符" in p for p in bad.problems)


def test_material_keywords():
    assert checks.material_keywords("门诊病历或诊断证明") == ["门诊病历", "诊断证明"]
    assert "明细清单" in checks.material_keywords("费用明细清单")
    assert checks.material_types("申请人居民身份证或户口簿") == {"id_card", "hukou"}


# --- hostile files --------------------------------------------------------------------------------
def test_image_is_reencoded_without_its_metadata():
    im = id_front(NAME, GOOD)
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    data = jpeg(im, exif=exif.tobytes()) + b"TRAILING-PAYLOAD"
    cleaned = clean(data, **LIMITS)
    assert cleaned.kind == "image" and cleaned.media_type == "image/jpeg"
    assert b"SecretCamera" not in cleaned.stored and b"TRAILING-PAYLOAD" not in cleaned.stored
    assert Image.open(io.BytesIO(cleaned.stored)).size == im.size


@pytest.mark.parametrize("data,code", [
    (png_bomb(), "image_too_large"),
    (zip_bomb(), "archive_not_allowed"),
    (SVG_SCRIPT, "svg_not_allowed"),
    (b"MZ\x90\x00" + b"\x00" * 100, "unsupported_type"),
    (b"<html><script>alert(1)</script></html>", "unsupported_type"),
    (b"", "empty_file"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "broken_image"),
])
def test_hostile_files_refused_politely(data, code):
    with pytest.raises(Rejected) as info:
        clean(data, **LIMITS)
    assert info.value.code == code
    message = str(info.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message) and "Traceback" not in message


def test_oversized_file_refused_before_decoding():
    data = jpeg(paper(["很大的文件"]))
    with pytest.raises(Rejected) as info:
        clean(data, max_bytes=len(data) - 1, max_pixels=40_000_000, max_pages=10)
    assert info.value.code == "file_too_large" and "MB" in str(info.value)


def test_pixel_limit_is_a_setting():
    data = png(Image.new("RGB", (300, 300), "white"))
    with pytest.raises(Rejected):
        clean(data, max_bytes=10**7, max_pixels=300 * 300 - 1, max_pages=10)
    assert clean(data, max_bytes=10**7, max_pixels=300 * 300, max_pages=10).kind == "image"


def test_pdf_text_is_read_and_script_never_run():
    data = pdf_with_text(["广安市人民医院", "费用明细清单"], javascript=True)
    assert b"/JavaScript" in data
    cleaned = clean(data, **LIMITS)
    assert cleaned.kind == "pdf" and "费用明细清单" in cleaned.text and cleaned.images == []
    assert sniff(data) == "pdf"


def test_pdf_page_limit_and_broken_pdf():
    data = pdf_with_text(["一页"])
    with pytest.raises(Rejected) as info:
        clean(data, max_bytes=10**7, max_pixels=10**7, max_pages=0)
    assert info.value.code == "pdf_too_many_pages"
    with pytest.raises(Rejected) as info:
        clean(b"%PDF-1.7\n garbage", **LIMITS)
    assert info.value.code == "broken_pdf"
