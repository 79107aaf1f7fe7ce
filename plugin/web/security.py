"""Response headers (CSP with frame-ancestors, no referrer, no caching) and the browser cookie.

The cookie only binds a launch to the browser that started it, when the browser keeps cookies
at all. Over HTTPS it is `Secure; SameSite=None; Partitioned` so that it works inside an EHR's
frame; browsers that block it still work through the handle carried in links and forms.
"""

from __future__ import annotations

from flask import Flask, Request, Response, request
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response as BaseResponse

from plugin.config import Settings
from plugin.launch.launches import MAX_PARAMETER
from plugin.web.request_origin import check_origin
from plugin.web.services import services
from plugin.wording import error_pages

MAX_QUERY_PARAMETERS = 32
MAX_FORM_FIELD = 10_000  # characters in one form field (a text answer, a reason)
MAX_FORM_FIELDS = 300

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


def check_sizes() -> None:
    """Refuse (400) a request with too many or too long parameters before any route reads
    them: nothing is stored for it and nothing is sent on."""
    if len(request.args) > MAX_QUERY_PARAMETERS or any(
        len(value) > MAX_PARAMETER for value in request.args.values()
    ):
        raise BadRequest(error_pages.parameter_too_long(MAX_PARAMETER))
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        if len(request.form) > MAX_FORM_FIELDS or any(
            len(value) > MAX_FORM_FIELD for value in request.form.values()
        ):
            raise BadRequest(error_pages.field_too_long(MAX_FORM_FIELD))


# URL parts that open something (a launch handle, a hand-off capability): no cache may keep a
# response under such a URL, whatever the route asked for.
CAPABILITY_ARGS = frozenset({"handle", "capability"})


def init_app(app: Flask, settings: Settings) -> None:
    policy = content_security_policy(settings)
    app.before_request(lambda: check_origin(settings.public_url))  # before anything reads it
    app.before_request(check_sizes)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if CAPABILITY_ARGS & set(request.view_args or {}):
            response.headers["Cache-Control"] = "no-store"  # its URL opens a launch
        else:
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
