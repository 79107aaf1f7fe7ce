"""Response headers (CSP with frame-ancestors, no referrer, no caching) and the browser cookie.

The cookie only binds a launch to the browser that started it, when the browser keeps cookies
at all. Over HTTPS it is `Secure; SameSite=None; Partitioned` so that it works inside an EHR's
frame; browsers that block it still work through the handle carried in links and forms.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from werkzeug.wrappers import Response as BaseResponse

from plugin.config import Settings
from plugin.web.services import services

BROWSER_COOKIE = "ap_browser"


def content_security_policy(settings: Settings) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {settings.frame_ancestors}",
        ]
    )


def init_app(app: Flask, settings: Settings) -> None:
    policy = content_security_policy(settings)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def browser_key(request: Request) -> str | None:
    return request.cookies.get(BROWSER_COOKIE) or None


def set_browser_cookie(response: BaseResponse, value: str) -> None:
    if services().settings.secure_cookies:
        response.set_cookie(
            BROWSER_COOKIE, value, httponly=True, secure=True, samesite="None", partitioned=True
        )
    else:  # plain-HTTP development: a third-party frame will not keep it; the handle suffices
        response.set_cookie(BROWSER_COOKIE, value, httponly=True, samesite="Lax")
