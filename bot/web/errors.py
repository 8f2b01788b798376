"""JSON errors for every failure: ``{"error": {"code": ..., "message": ...}}`` with the right status."""
from __future__ import annotations

import json
import logging

from aiohttp import web

logger = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **details) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, **details) -> web.Response:
    body = {"error": {"code": code, "message": message, **details}}
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
}


@web.middleware
async def json_errors(request: web.Request, handler):
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, **exc.details)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason or code)
    except Exception:  # the last line of defence: log the cause, answer JSON
        logger.exception("unhandled error", extra={"path": request.path, "method": request.method})
        return error_response(500, "internal_error", "服务暂时不可用，请稍后再试")


async def read_json(request: web.Request, max_bytes: int = 1_000_000) -> dict:
    """The request body as a JSON object, or a 4xx ApiError."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise ApiError(413, "payload_too_large", "请求体过大")
    try:
        raw = await request.read()
    except Exception as exc:
        raise ApiError(400, "bad_request", "无法读取请求体") from exc
    if len(raw) > max_bytes:
        raise ApiError(413, "payload_too_large", "请求体过大")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # RecursionError: absurd nesting
        raise ApiError(400, "invalid_json", "请求体不是合法的 JSON") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "请求体必须是 JSON 对象")
    return data
