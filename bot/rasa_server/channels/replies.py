"""What the channels themselves say, in one place: the replies a citizen gets from a channel
before or instead of the dialogue (whose words are domain.yml responses and the actions' replies),
and the messages of the error answers to malformed webhook requests."""
from __future__ import annotations

from bot.replies import try_later

# -- to citizens --------------------------------------------------------------------------------
WELCOME = "感谢关注广安区政务智能助手！"            # WeChat OA: on subscribing
MP_WELCOME = "感谢使用广安区政务智能助手！"         # mini-program: on entering the chat
ASK_TO_TYPE_IMAGE = "暂时无法识别图片内容，请用文字描述您要咨询的问题。"
ASK_TO_TYPE_VOICE = "没有识别出您的语音内容，请用文字输入您的问题。"
UNSUPPORTED = "目前只能处理文字消息，请用文字描述您要咨询的问题。"
EMPTY_TEXT = "请输入您要咨询的问题。"
BUSY = try_later("系统暂时繁忙")
APOLOGY = "抱歉，系统暂时繁忙，您的问题已记录，稍后会继续为您处理。"   # the message was kept for a retry
TOO_LONG = "您的消息过长，请精简到{limit}字以内后再发送。"
MENU_HINT = "请回复数字选择："                     # before numbered buttons on text-only channels
IMAGE_LINE = "图片：{url}"

# -- error answers to malformed webhook requests --------------------------------------------------
INVALID_JSON = "请求体不是合法的 JSON"
JSON_NOT_OBJECT = "请求体必须是 JSON 对象"
INVALID_SENDER = "sender 应为不超过 {limit} 个字符的文本"
INVALID_MESSAGE = "message 应为文本"
INVALID_METADATA = "metadata 应为 JSON 对象"
PAYLOAD_TOO_LARGE = "请求体过大"
EMPTY_BODY = "请求体为空"
MP_INVALID_JSON = "JSON 格式错误"
MP_JSON_NOT_OBJECT = "JSON 必须是对象"
CHANNEL_DISABLED = "微信渠道未启用：{reason}"
MISSING_ECHOSTR = "缺少 echostr 参数"
SAFE_MODE_DISABLED = "安全模式未配置：{problem}"
MISSING_USERS = "缺少 FromUserName 或 ToUserName"
BAD_SIGNATURE = "签名校验失败"
BAD_TIMESTAMP = "时间戳无效"
STALE_TIMESTAMP = "请求已过期"
XML_FORBIDDEN = "不接受含 DTD 或实体声明的 XML"
INVALID_XML = "XML 格式错误"
XML_ROOT = "XML 根元素必须是 <xml>"
BAD_BASE64 = "密文不是合法的 base64"
BAD_CIPHER_LENGTH = "密文长度错误"
DECRYPT_FAILED = "密文解密失败"
BAD_APPID = "AppID 不匹配"
MISSING_ENCRYPT = "缺少 Encrypt 字段"
