"""A clinician's drafts from the web side: kept while the launch is live, and after it ended
only from the browser it was used in and only through a handle that ended by its lifetime.

``keep_draft`` ties the draft to the live launch's handle and browser (the cookie it came with,
if any). ``late_keep`` is for a save or a draft that arrives when the launch could not be
used: a launch of another browser is refused outright (nothing is written), and the drafts
decide the rest (plugin/recording/drafts.py): a handle rotated out by a client hand-off writes
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from flask import request

from plugin.launch.errors import LaunchExpired
from plugin.recording.drafts import DraftOwner
from plugin.web.current import CurrentLaunch
from plugin.web.security import browser_key
from plugin.web.services import services

OTHER_BROWSER = "launch.other_browser"


def keep_draft(owner: DraftOwner, launch: CurrentLaunch, raw: Mapping[str, str]) -> None:
    """Keep what was typed in the live launch's draft, bound to this browser and launch."""
    services().saving.drafts.keep(owner, launch.handle, raw, browser_key=browser_key(request))


def late_keep(handle: str, questionnaire_id: str, expired: LaunchExpired
              ) -> datetime.datetime | None:
    """The launch behind ``handle`` could not be used (``expired``): keep the posted answers
    in its draft when allowed; when it is kept until, else None. A launch of another browser
    is refused (the error is raised again): nothing is written for it."""
    if expired.code == OTHER_BROWSER:
        raise expired
    app = services()
    until = app.saving.drafts.keep_for_handle(
        handle, questionnaire_id, request.form.to_dict(), browser_key=browser_key(request),
        rotated_out=app.launches.rotated_out(handle))
    return None if until is None else datetime.datetime.fromtimestamp(until, datetime.UTC)
