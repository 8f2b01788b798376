"""Per-IP rate limit of the web API (/api/...): over the limit → 429 JSON with ``Retry-After``.
The limiter is bot.ratelimit (Redis when configured); /health and the static files are not limited."""
from __future__ import annotations

from aiohttp import web

from bot.ratelimit import RateLimiter, api_limiter
from bot.settings import get_settings
from bot.web.errors import error_response

LIMITER_KEY = "api_rate_limiter"


def client_ip(request: web.Request) -> str:
    if get_settings().rate_limits.get("trust_forwarded"):
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
    decision = await limiter.hit(client_ip(request))
    if not decision.allowed:
        response = error_response(429, "too_many_requests", "请求过于频繁，请稍后再试",
                                  retry_after=decision.retry_after)
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    return await handler(request)


def setup(app: web.Application) -> None:
    app[LIMITER_KEY] = api_limiter()
    app.middlewares.append(rate_limit)
