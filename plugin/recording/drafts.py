"""Drafts: the answers a clinician has typed, kept on the server until they are saved.

The form sends what was typed as the clinician goes (and every POST keeps it too), so that
nothing is lost when the launch expires before Save. A draft lives in the session store
(kind "draft", encrypted like the rest) under a key made of the EHR, the practitioner, the
patient, the session and the form: only a launch of that same practitioner, for that patient
and session, restores it. Nobody else is ever shown it, and it is deleted once the rating is
saved. Drafts are kept for `DRAFT_HOURS` (project default: 72 hours), counted from the last
change.

A launch handle points at its draft (kind "draft-handle", as long-lived as the draft), so that
a save arriving after the launch ended can still keep the answers it carries. The link is bound
to its launch and browser: it records the browser the launch was used from (the digest of its
cookie, when it sent one), and a late save is kept only from that browser and never through a
handle rotated out by a client hand-off. A live launch used from another browser never reaches
the drafts (plugin/web refuses it first).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from plugin.launch.pending import digest
from plugin.launch.session_store import SessionStore

DRAFT = "draft"
HANDLE = "draft-handle"
DRAFT_HOURS = 72
MAX_FIELDS = 200
MAX_VALUE = 4000


@dataclass(frozen=True)
class DraftOwner:
    iss: str
    practitioner: str
    patient: str
    encounter: str
    questionnaire_id: str

    @property
    def key(self) -> str:
        text = "\x00".join((self.iss, self.practitioner, self.patient, self.encounter,
                            self.questionnaire_id))
        return hashlib.sha256(text.encode()).hexdigest()


def _clean(raw: Mapping[str, str]) -> dict[str, str]:
    """Only answer fields, bounded in number and size."""
    kept = {}
    for name, value in list(raw.items())[:MAX_FIELDS]:
        if name.startswith("item-") or name == "reason":
            kept[str(name)[:200]] = str(value)[:MAX_VALUE]
    return kept


class Drafts:
    def __init__(self, store: SessionStore, *, hours: float = DRAFT_HOURS,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self.ttl = hours * 3600.0
        self._clock = clock

    def keep(self, owner: DraftOwner, handle: str, raw: Mapping[str, str], *,
             browser_key: str | None) -> None:
        """Keep what was typed (an empty form keeps nothing new) and tie the handle to it.
        ``browser_key``: the cookie of the browser using the live launch (None without one)."""
        answers = _clean(raw)
        link = {"key": owner.key, "bound": True,
                "browser": digest(browser_key) if browser_key else None}
        self._store.put(HANDLE, f"{handle}\x00{owner.questionnaire_id}", link, self.ttl)
        if any(v.strip() for v in answers.values()):
            self._store.put(DRAFT, owner.key, {"raw": answers, "at": self._clock()}, self.ttl)

    def keep_for_handle(self, handle: str, questionnaire_id: str, raw: Mapping[str, str], *,
                        browser_key: str | None, rotated_out: bool) -> float | None:
        """After the launch ended: keep the answers in the draft the handle pointed at.
        Returns when the draft expires, or None when nothing was kept: the handle had no draft
        of this form (or a link from before the binding), the request comes from another
        browser than the launch's, or the handle was rotated out (a client hand-off)."""
        link = self._store.get(HANDLE, f"{handle}\x00{questionnaire_id}")
        if link is None or rotated_out or not link.get("bound"):
            return None
        bound = link.get("browser")
        if bound and not (browser_key and hmac.compare_digest(digest(browser_key), bound)):
            return None
        answers = _clean(raw)
        if any(v.strip() for v in answers.values()):
            self._store.put(DRAFT, link["key"], {"raw": answers, "at": self._clock()}, self.ttl)
        return self._clock() + self.ttl

    def restore(self, owner: DraftOwner) -> dict[str, str] | None:
        draft = self._store.get(DRAFT, owner.key)
        return dict(draft["raw"]) if draft else None

    def discard(self, owner: DraftOwner) -> None:
        self._store.delete(DRAFT, owner.key)
