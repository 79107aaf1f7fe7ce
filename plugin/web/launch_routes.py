"""SMART launch routes: /launch, /launch/check, /callback, plus / (what this app is), /healthz
and the app's keys.

Binding the launch to the browser that started it, in a frame too:
- /launch sets the browser cookie (`Secure; SameSite=None; Partitioned` over HTTPS). A browser
  that already sent it goes straight to the EHR; otherwise /launch/check sees whether it came
  back. If it did, the launch is bound to the cookie. If not (a frame whose cookies are
  blocked), the check page stores a fresh random value in the frame's own sessionStorage
  (static/bind.js, keyed by state) before going to the EHR.
- /callback with the cookie completes at once. Without it, for a page-bound launch, a page
  reads the value back from sessionStorage (or the frame's name, only inside a frame) and posts
  it with the callback's parameters; the server compares it. Another browser has neither, so a
  leaked or planted callback URL never yields a handle. That POST, like every state-changing
  request, must come from the app's own page (plugin/web/request_origin.py), so another site
  cannot post an attacker's value from the victim's browser (login CSRF). docs/security.md.
- A completed launch closes the open client hand-offs of an earlier launch for its session.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from plugin.web.current import is_patient_user
from plugin.web.handoff_routes import end_open_handoffs
from plugin.web.security import browser_key, set_browser_cookie
from plugin.web.services import services

bp = Blueprint("launch", __name__)


@bp.get("/launch")
def launch() -> Response:
    """EHR launch (iss + launch) or standalone launch (iss only)."""
    return start_launch(patient_facing=False)


def start_launch(*, patient_facing: bool) -> Response:
    """A clinician's launch, or a patient's own from a portal (plugin/web/portal_routes.py)."""
    app = services()
    started = app.launches.begin(
        request.args.get("iss"), request.args.get("launch"), browser_key(request),
        request.remote_addr or "unknown", patient_facing=patient_facing,
    )
    # Read (and cache) what the EHR accepts now, so the panel needs no extra round trip.
    app.record_stores.capability(started.fhir_base)
    if started.cookie_known:
        return redirect(started.authorize_url, code=302)
    response = redirect(url_for("launch.check", state=started.state), code=302)
    set_browser_cookie(response, started.browser_key)
    return response


@bp.get("/launch/check")
def check() -> Response | tuple[str, int]:
    """Did the cookie come back? Bind to it, or to a value kept in the page's own state."""
    binding = services().launches.bind(request.args.get("state", ""), browser_key(request))
    if binding.kind == "cookie":
        return redirect(binding.authorize_url, code=302)
    page = render_template("launch_bind.html", state=request.args.get("state", ""),
                           value=binding.page_value, next_url=binding.authorize_url)
    return page, 200


@bp.route("/callback", methods=["GET", "POST"])
def callback() -> Response | tuple[str, int]:
    launches = services().launches
    if request.method == "POST":  # from callback_bind.html, with the page's value
        params = {k: v for k, v in request.form.items() if k != "page_value"}
        handle = launches.complete(params, browser_key(request), request.form.get("page_value"))
        return _completed(handle)
    params = request.args.to_dict()
    if launches.needs_page_value(params.get("state", ""), browser_key(request)):
        return render_template("callback_bind.html", params=params), 200
    handle = launches.complete(params, browser_key(request))
    return _completed(handle)


def _completed(handle: str) -> Response:
    launches = services().launches
    # For the launches metric (plugin/web/ops_routes.py): which issuer this launch was for.
    g.launch_issuer = launches.issuer(handle)
    context = launches.context(handle, browser_key(request), fresh=False)
    if is_patient_user(context):  # a client's own launch: their questions, never the panel
        return redirect(url_for("portal.home", handle=handle), code=303)
    # A new launch for a session ends a hand-off of an earlier one whose questions are open.
    end_open_handoffs(context)
    return redirect(url_for("panel.panel", handle=handle), code=303)


@bp.get("/")
def index() -> str:
    """Someone who opens the app's address directly: what it is and how it is launched."""
    app = services()
    return render_template("index.html", public_url=app.settings.public_url, version=app.version)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok", version=services().version)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    response = jsonify(services().launches.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
