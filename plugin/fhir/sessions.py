"""The one way the app makes the requests.Session its outbound HTTPS goes through: the EHRs,
their authorization servers and the companion store, for `serve`, `check`, `install` and
`audit` alike. ``ca_bundle`` (ALLIANCE_CA_BUNDLE) names the authorities trusted; without it,
those requests trusts by default.

requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE in the environment override a session's
own bundle; a session made here with a bundle keeps it (as does plugin.ops.outbound's merge).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests


class _PinnedVerify(requests.Session):
    """A session whose certificate check always uses its own `verify`, whatever the
    environment says (requests otherwise prefers REQUESTS_CA_BUNDLE to the session's)."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Any:
        merged: Any = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None or verify is True:
            merged["verify"] = self.verify
        return merged


def outbound_session(ca_bundle: Path | None, *, follow_redirects: bool = True) -> requests.Session:
    """A fresh session trusting ``ca_bundle`` (a PEM file) when given. ``follow_redirects``
    False: a redirect is an error at once (the command-line tools)."""
    session: requests.Session = _PinnedVerify() if ca_bundle else requests.Session()
    if ca_bundle:
        session.verify = str(ca_bundle)
    if not follow_redirects:
        session.max_redirects = 0
    return session
