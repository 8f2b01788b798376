"""WeChat message security against Tencent's official sample vectors, plus the hardened XML parser,
signature and replay checks, and the plain-text rendering of bot messages.

Sources of the vectors (Tencent's WXBizMsgCrypt sample code, copied verbatim in many repositories;
found through the `code` corpus of the reference library):
- safe-mode push: Tencent's C# sample ``Sample.cs`` (token "QDG6eK", AppID "wx5823bf96d3bd56c7",
  EncodingAESKey "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", msg_signature
  477715d11cdb4164915debcba66cb864d751f3e6, timestamp 1409659813, nonce 1372623149), e.g. in
  github.com/2830499544/VipCard, Chain.Wechat/Tencent/Sample.cs;
- URL verification (VerifyURL) with the same key: Tencent's WeCom ``Sample.php`` example
  (msg_signature 5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3, echostr → "1616140317555161061"),
  also quoted in WeCom's callback documentation;
- deterministic encryption: Tencent's Java sample test ``WXBizMsgCryptTest.java`` (EncodingAESKey
  "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", AppID "wxb11529c136998cb6", random string
  "aaaabbbbccccdddd", "我是中文abcd123"), e.g. in github.com/Wyl015/wuyiling,
  work-test/src/main/resources/Utils/aes/WXBizMsgCryptTest.java.
"""
from __future__ import annotations

import time

import pytest

from bot.rasa_server.channels.plaintext import render_messages, resolve_choice
from bot.rasa_server.channels.wechat_crypto import (
    MessageCrypto,
    WeChatRequestError,
    check_signature,
    check_timestamp,
    parse_xml,
    signature,
    text_reply_xml,
    validate_aes_key,
)
from tests.conftest_wechat import SAMPLE_AES_KEY, SAMPLE_APPID, SAMPLE_TOKEN

SAMPLE_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYY"
    "vuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+"
    "LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallc"
    "rw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T"
    "8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
SAMPLE_PUSH = (f"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
               f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>")
SAMPLE_MSG_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
SAMPLE_TIMESTAMP = "1409659813"
SAMPLE_NONCE = "1372623149"


@pytest.fixture
def crypto():
    return MessageCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_APPID)


def test_tencent_sample_push_decrypts(crypto):
    envelope = parse_xml(SAMPLE_PUSH)
    plain = crypto.decrypt_message(envelope, SAMPLE_MSG_SIGNATURE, SAMPLE_TIMESTAMP, SAMPLE_NONCE)
    message = parse_xml(plain)
    assert message["MsgType"] == "text"
    assert message["Content"] == "hello"
    assert message["FromUserName"] == "mycreate"
    assert message["MsgId"] == "4561255354251345929"


def test_tencent_sample_msg_signature_is_what_we_compute():
    assert signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE


def test_tencent_sample_url_verification(crypto):
    echo = crypto.verify_echostr(
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
    assert echo == "1616140317555161061"


def test_tencent_java_sample_encryption_is_byte_exact(monkeypatch):
    from wechatpy.crypto.base import BasePrpCrypto

    monkeypatch.setattr(BasePrpCrypto, "get_random_string", lambda self: "aaaabbbbccccdddd")
    crypto = MessageCrypto("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
    wrapped = parse_xml(crypto.encrypt_reply("我是中文abcd123", timestamp="1409304348", nonce="xxxxxx"))
    assert wrapped["Encrypt"] == "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    assert wrapped["MsgSignature"] == signature("pamtest", "1409304348", "xxxxxx", wrapped["Encrypt"])


def test_round_trip_with_chinese_counts_bytes_not_characters(crypto):
    # The sample's reply: "the message length counts bytes" (Chinese inside the XML).
    reply = ("<xml><ToUserName><![CDATA[mycreate]]></ToUserName><FromUserName><![CDATA[wx582测试一下中文的情况，"
             "消息长度是按字节来算的396d3bd56c7]]></FromUserName><CreateTime>1348831860</CreateTime>"
             "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content>"
             "<MsgId>1234567890123456</MsgId></xml>")
    wrapped = parse_xml(crypto.encrypt_reply(reply, timestamp=SAMPLE_TIMESTAMP, nonce=SAMPLE_NONCE))
    assert wrapped["TimeStamp"] == SAMPLE_TIMESTAMP and wrapped["Nonce"] == SAMPLE_NONCE
    assert crypto.decrypt_message(wrapped, wrapped["MsgSignature"], SAMPLE_TIMESTAMP, SAMPLE_NONCE) == reply


def test_forged_or_tampered_messages_are_refused(crypto):
    envelope = parse_xml(SAMPLE_PUSH)
    with pytest.raises(WeChatRequestError) as err:
        crypto.decrypt_message(envelope, "0" * 40, SAMPLE_TIMESTAMP, SAMPLE_NONCE)
    assert err.value.status == 403
    with pytest.raises(WeChatRequestError) as err:  # signature fine for another timestamp only
        crypto.decrypt_message(envelope, SAMPLE_MSG_SIGNATURE, "1409659814", SAMPLE_NONCE)
    assert err.value.status == 403
    # Ciphertext that is not base64 / not whole blocks, correctly signed: 400, not a crash.
    for bad in ("!!!notbase64!!!", "QUJD"):
        sig = signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, bad)
        with pytest.raises(WeChatRequestError) as err:
            crypto.decrypt_message({"Encrypt": bad}, sig, SAMPLE_TIMESTAMP, SAMPLE_NONCE)
        assert err.value.status == 400


def test_a_message_for_another_appid_is_refused():
    other = MessageCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, "wx0000000000000000")
    with pytest.raises(WeChatRequestError) as err:
        other.decrypt_message(parse_xml(SAMPLE_PUSH), SAMPLE_MSG_SIGNATURE, SAMPLE_TIMESTAMP, SAMPLE_NONCE)
    assert err.value.status == 403 and err.value.code == "bad_appid"


def test_aes_key_validation():
    assert validate_aes_key(SAMPLE_AES_KEY) is None
    assert validate_aes_key("short")
    assert validate_aes_key("!" * 43)
    with pytest.raises(ValueError):
        MessageCrypto(SAMPLE_TOKEN, "x" * 10, SAMPLE_APPID)


def test_plain_signature_and_timestamps():
    ts = str(int(time.time()))
    check_signature((SAMPLE_TOKEN, ts, "42"), signature(SAMPLE_TOKEN, ts, "42"))
    for forged in (None, "", "abc", signature("other", ts, "42")):
        with pytest.raises(WeChatRequestError) as err:
            check_signature((SAMPLE_TOKEN, ts, "42"), forged)
        assert err.value.status == 403
    check_timestamp(ts, 300)
    check_timestamp("1409659813", 0)  # 0 disables the window
    for stale in ("1409659813", str(int(time.time()) - 301), str(int(time.time()) + 301), "", "abc", "-5", None):
        with pytest.raises(WeChatRequestError) as err:
            check_timestamp(stale, 300)
        assert err.value.status == 403


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content></xml>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Content>&lol3;</Content></xml>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml><Content>x</Content></xml>"""


@pytest.mark.parametrize("body", [XXE, LAUGHS, DTD_ONLY])
def test_dtds_and_entities_are_refused(body):
    with pytest.raises(WeChatRequestError) as err:
        parse_xml(body)
    assert err.value.status == 400 and err.value.code == "xml_forbidden"


@pytest.mark.parametrize("body", [b"", b"   ", b"<xml><a>", b"not xml", b"<root><a>1</a></root>", b"\xff\xfe<xml/>"])
def test_malformed_xml_is_a_400(body):
    with pytest.raises(WeChatRequestError) as err:
        parse_xml(body)
    assert err.value.status == 400


def test_oversized_body_is_refused():
    with pytest.raises(WeChatRequestError) as err:
        parse_xml(b"<xml><Content>" + b"a" * 70_000 + b"</Content></xml>")
    assert err.value.status == 413


def test_reply_xml_escapes_text():
    xml = text_reply_xml("o1", "gh", "a < b & ]]> <script>")
    assert parse_xml(xml)["Content"] == "a < b & ]]> <script>"


def test_buttons_become_numbered_lines_and_numbers_map_back():
    text, payloads = render_messages([
        {"text": "您好！请问有什么可以帮您？", "buttons": [
            {"title": "办事指南", "payload": "/ask_procedure"},
            {"title": "进度查询", "payload": "/query_application_status"},
            {"title": "政府网站", "type": "web_url", "url": "https://www.guanan.gov.cn"}]},
        {"text": "第二条"},
    ])
    assert text == ("您好！请问有什么可以帮您？\n请回复数字选择：\n1. 办事指南\n2. 进度查询\n"
                    "政府网站：https://www.guanan.gov.cn\n\n第二条")
    assert payloads == ["/ask_procedure", "/query_application_status"]
    assert resolve_choice("2", payloads) == "/query_application_status"
    assert resolve_choice(" 1。", payloads) == "/ask_procedure"
    assert resolve_choice("3", payloads) is None
    assert resolve_choice("12345", payloads) is None
    assert resolve_choice("1", None) is None
