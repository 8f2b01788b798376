"""Rate limits of the web API (/api/...): over the limit → 429 JSON with ``Retry-After``.

A request with a valid staff bearer token counts against its user (``RATE_LIMIT_API_STAFF``):
the agents of a call centre sit behind one public IP, and the console's as-you-type assist calls
are many. Everything else — anonymous, or a token that does not authenticate — counts against the
client IP (``RATE_LIMIT_API``), so made-up tokens do not escape the limit. The limiter is
bot.ratelimit (Redis when configured); /health and the static files are not limited."""
from __future__ import annotations

from aiohttp import web

from bot.ratelimit import RateLimiter, api_limiter, staff_limiter
from bot.settings import get_settings
from bot.web.errors import error_response
from bot.web.http import principal

LIMITER_KEY = "api_rate_limiter"
STAFF_LIMITER_KEY = "api_staff_rate_limiter"


def client_ip(request: web.Request) -> str:
    if get_settings().rate_limits.trust_forwarded:
        forwarded = request.headers.get("X-Forwarded-For", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    return request.remote or "unknown"


@web.middleware
async def rate_limit(request: web.Request, handler):
    limiter: RateLimiter | None = request.app.get(LIMITER_KEY)
    if limiter is None or not limiter.enabled or not request.path.startswith("/api/") \
            or request.path == "/api/openapi.json":
        return await handler(request)
    staff: RateLimiter | None = request.app.get(STAFF_LIMITER_KEY)
    user = await signed_in_user(request) if staff is not None and staff.enabled else None
    decision = await (staff.hit(user) if user else limiter.hit(client_ip(request)))
    if not decision.allowed:
        response = error_response(429, "too_many_requests", "请求过于频繁，请稍后再试",
                                  retry_after=decision.retry_after)
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    return await handler(request)


async def signed_in_user(request: web.Request) -> str | None:
    """The username behind a valid bearer token (kept on the request for the handler), else None."""
    if not request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None
    from bot.web.errors import ApiError
    try:
        return (await principal(request)).username
    except ApiError:  # invalid token or database down: the handler answers 401/503 itself
        return None


def setup(app: web.Application) -> None:
    app[LIMITER_KEY] = api_limiter()
    app[STAFF_LIMITER_KEY] = staff_limiter()
    app.middlewares.append(rate_limit)
