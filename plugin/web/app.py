"""create_app(): settings, the SMART client, the session store, the form catalogue, the routes.

Everything that can be wrong with the configuration (settings, instruments, text packs) is found
here, before the first request, and raised as plugin.errors.ConfigError naming it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from plugin import __version__
from plugin.config import Settings
from plugin.fhir.client import FhirClient
from plugin.fhir.sessions import outbound_session
from plugin.fhir.stores import RecordStores
from plugin.launch.issuers import issuers_from, settings_for, smart_client_for
from plugin.launch.launches import Launches
from plugin.launch.store_from_url import open_session_store
from plugin.ops.outbound import observe
from plugin.panel.view_cache import PanelCache
from plugin.recording.catalogue import checked_settings
from plugin.recording.client_links import ClientLinks
from plugin.recording.drafts import Drafts
from plugin.recording.handoff import Handoffs
from plugin.recording.one_rating import OneRating
from plugin.recording.outbox import Outbox, OutboxPolicy, OutboxWorker
from plugin.recording.saving import OutboxClients, Saving
from plugin.web import (
    audit_hooks,
    client_link_routes,
    errors,
    filters,
    handoff_routes,
    log_redaction,
    ops_routes,
    portal_routes,
    record_routes,
    security,
)
from plugin.web.ehr_style import StyleFetcher
from plugin.web.launch_routes import bp as launch_bp
from plugin.web.panel_routes import bp as panel_bp
from plugin.web.services import EXTENSION, Services
from smart_launch import LaunchContext
from smart_launch.transport import harden_session

log = logging.getLogger(__name__)


def create_app(
    config: Settings | Mapping[str, Any] | None = None,
    *,
    http: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    outbox_policy: OutboxPolicy | None = None,
    outbox_interval: float | None = None,
) -> Flask:
    """The app for one deployment. `config` is a Settings, a mapping of setting names
    (lower-case, without the ALLIANCE_ prefix), or None to read the environment.
    `http`, `clock` and `sleep` are for tests: the outbound transport, the time source and
    the wait between retries of a FHIR request. `outbox_interval`: run the outbox worker
    (retries of queued saves) every so many seconds; `alliance serve` and the demo run it every
    second, tests drive `saving.outbox.run_due()` themselves. `outbox_policy`: retry timing."""
    log_redaction.install()  # before anything can log a handle, a code or a token
    settings, catalogue = checked_settings(config)
    # No cookies, no redirects, deadlines (smart_launch.transport); the CA bundle; request id
    # out, latency measured.
    http = observe(harden_session(http or outbound_session(settings.ca_bundle)))
    issuers = issuers_from(settings)
    clients = {iss: smart_client_for(issuer, settings.redirect_uri, clock=clock, http=http,
                                    allow_http=settings.development)
               for iss, issuer in issuers.items()}
    client = next(iter(clients.values()))
    store = open_session_store(
        settings.session_store_url, settings.secret_key, settings.data_dir, clock=clock
    )

    record_stores = RecordStores(
        settings, http, clock=clock, sleep=sleep,
        per_issuer={iss: settings_for(settings, issuer) for iss, issuer in issuers.items()
                    if settings.issuers})
    auditor = audit_hooks.build_auditor(settings, record_stores, list(issuers))
    launches = Launches(settings, clients, store, clock=clock, issuers=issuers)

    def ehr_client(context: LaunchContext) -> FhirClient:  # one quick retry, then the outbox
        return FhirClient(context.iss, token=lambda: context.access_token, http=http,
                          sleep=sleep, retries=1, limits=launches.read_limits(context.iss))

    outbox = Outbox(store, OutboxClients(launches, record_stores, ehr_client),
                    clock=clock, policy=outbox_policy)
    saving = Saving(outbox, OneRating(store, outbox, ttl=outbox.policy.keep_queued, clock=clock),
                    Drafts(store, clock=clock))
    if outbox_interval:
        saving.worker = OutboxWorker(outbox, outbox_interval).start()

    app = Flask(__name__)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": filters.COMPILED}
    if settings.trusted_proxies:
        # Behind a balancer: the client's address (launches are counted per address), the
        # scheme and the path prefix the app is served under (X-Forwarded-Prefix, e.g.
        # /alliance: every URL the app builds carries it) come from the X-Forwarded-* headers
        # the trusted hops add, and only those.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_prefix=hops)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=256 * 1024)
    app.extensions[EXTENSION] = Services(
        settings=settings,
        smart=client,
        launches=launches,
        record_stores=record_stores,
        catalogue=catalogue,
        handoffs=Handoffs(store, settings.secret_key),
        client_links=ClientLinks(store, clock),
        saving=saving,
        styles=StyleFetcher(http, clock=clock),
        http=http,
        clock=clock,
        sleep=sleep,
        version=__version__,
        auditor=auditor,
        panel_cache=PanelCache(),
    )
    app.register_blueprint(launch_bp)
    app.register_blueprint(panel_bp)
    app.register_blueprint(record_routes.bp)
    app.register_blueprint(handoff_routes.bp)
    app.register_blueprint(client_link_routes.bp)
    app.register_blueprint(portal_routes.bp)
    security.init_app(app, settings)
    errors.init_app(app)
    filters.init_app(app)
    audit_hooks.init_app(app, auditor)
    ops_routes.init_app(app)
    log.info("Alliance Panel %s ready at %s", __version__, settings.public_url)
    return app
