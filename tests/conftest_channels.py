"""One live stack (Rasa, action server, web service) shared by the channel tests of a test session:
the WeChat channel configured with Tencent's sample account and pointed at a fake WeChat API
server on loopback, and RASA_PUBLIC_URL pointed at this stack's Rasa for the portal page."""
from __future__ import annotations

import os

import pytest

from tests.conftest_wechat import SAMPLE_AES_KEY, SAMPLE_APPID, SAMPLE_SECRET, SAMPLE_TOKEN, FakeWeChat
from tests.test_stack_integration import MODEL, Stack

_shared: dict = {}


@pytest.fixture(scope="session")
def channels_stack(request, tmp_path_factory) -> Stack:
    if "stack" in _shared:
        return _shared["stack"]
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz missing: run `make model` (make test does)")
    fake = FakeWeChat().start()
    stack = Stack(tmp_path_factory.mktemp("channels-stack"))
    env = {
        "WECHAT_TOKEN": SAMPLE_TOKEN,
        "WECHAT_AES_KEY": SAMPLE_AES_KEY,
        "WECHAT_APPID": SAMPLE_APPID,
        "WECHAT_SECRET": SAMPLE_SECRET,
        "WECHAT_API_BASE": fake.base,
        "WECHAT_REPLAY_WINDOW": "300",
        "WECHAT_MP_TOKEN": SAMPLE_TOKEN,
        "WECHAT_MP_AES_KEY": SAMPLE_AES_KEY,
        "WECHAT_MP_APPID": SAMPLE_APPID,
        "WECHAT_MP_SECRET": SAMPLE_SECRET,
        "RASA_PUBLIC_URL": stack.rasa,
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        stack.start()
    except Exception:
        fake.stop()
        raise
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def stop() -> None:
        if stack.proc and stack.proc.poll() is None:
            stack.stop()
        fake.stop()

    request.config.add_cleanup(stop)
    stack.fake_wechat = fake  # type: ignore[attr-defined]
    _shared["stack"] = stack
    return stack
