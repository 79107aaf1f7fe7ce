"""The Submission, built here and nowhere else: who a rating is by, who typed it in, when, why.

A rating typed by the therapist is by the therapist; a client's paper form typed in by the
clinician is by the client (its author and source) with the clinician as enterer; a hand-off is
by the client alone. A correction keeps the original submission id and names the corrector and
the reason. Every time comes from the app's one injected clock (``now``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping

from plugin import APP_NAME, __version__
from plugin.alliance import Answer
from plugin.alliance.vocabulary import Rater
from plugin.fhir.readers import reference
from plugin.fhir.record_bundles import Submission
from plugin.recording.catalogue import RecordForm

Now = Callable[[], datetime.datetime]


def new_submission(form: RecordForm, answers: Mapping[str, Answer], *, patient: str,
                   encounter: str, author: str, enterer: str | None, submission_id: str,
                   organization: str | None, now: Now, channel: str | None = None
                   ) -> Submission:
    """A first rating of a session: ``author`` is whom it is by, ``enterer`` who typed it,
    ``channel`` how a client's answers came ("link", "handoff", "paper"...)."""
    moment = now()
    return Submission(
        questionnaire=form.questionnaire, answers=answers, rater=form.rater, patient=patient,
        encounter=encounter, author=author, authored=moment, submission_id=submission_id,
        app_name=APP_NAME, app_version=__version__, organization=organization, source=author,
        recorded=moment, enterer=enterer if enterer != author else None,
        text_pack=form.text_pack, channel=channel if form.rater == "client" else None)


def _moment(value: object, now: Now) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return now()
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=datetime.UTC)


def correction(qr: Mapping[str, object], form: RecordForm, rater: Rater,
               submission_id: str, answers: Mapping[str, Answer], *, corrector: str,
               reason: str, organization: str | None, now: Now) -> Submission:
    """The corrected answers of a stored response, by ``corrector``, for ``reason``. The
    response's own author and source stay as stored (the builders keep them)."""
    return Submission(
        questionnaire=form.questionnaire, answers=answers, rater=rater,
        patient=reference(qr, "subject"), encounter=reference(qr, "encounter"),
        author=corrector, authored=_moment(qr.get("authored"), now),
        submission_id=submission_id, app_name=APP_NAME, app_version=__version__,
        organization=organization, recorded=now(), reason=reason, text_pack=form.text_pack)
