"""The app's other pages: the address's own page, signing in, a panel that cannot be shown, and
the error page's way out.

The templates receive this module as ``page_words`` and keep the markup around these
sentences. Where a sentence names something shown in bold, it is given as the words before and
after it (a pair of strings, each with its own spaces).
"""

from __future__ import annotations

# -- the address's own page (index) ------------------------------------------------------------
WHAT_IT_IS = ("Alliance Panel shows how the therapeutic alliance (agreement on goals and tasks, "
              "and the bond between client and therapist) develops across a client's sessions, "
              "beside the electronic health record, and records it after a session.")
HOW_TO_OPEN = ("It opens from a patient's chart in the electronic health record (EHR), not from "
               "this address: in the chart, choose ", ". The EHR then starts the app for that "
               "patient and session and signs you in.")
REGISTER = "Register the app with the EHR's authorization server as a SMART on FHIR app with"

# -- signing in (the pages that carry the sign-in where the app's cookie is blocked) ------------
SIGNING_IN = "Signing in with the EHR…"
FINISHING = "Finishing the sign-in…"
KEEP_NEEDS_SCRIPT = ("This browser blocks the app's cookie here, so the app needs JavaScript to "
                     "keep the sign-in in this window. Turn JavaScript on, or open the app in a "
                     "browser that keeps its cookie.")
FINISH_NEEDS_SCRIPT = ("This browser blocks the app's cookie here, so the app needs JavaScript "
                       "to finish the sign-in in this window.")
OTHER_BROWSER = ("This sign-in was started in another browser or window, so it cannot be "
                 "finished here. Open Alliance Panel again from the patient's chart.")

# -- a sign-in of the wrong kind of user -----------------------------------------------------------
FOR_CLINICIANS = ("Alliance Panel's panel is for clinicians: this sign-in is a patient's (or a "
                  "patient's relative's), so the panel does not open. A client answers from "
                  "their patient portal or with the link their clinic sends.")
FOR_CLIENTS = ("These pages are for a client answering from their patient portal: this sign-in "
               "is not a patient's, so they do not open. Open Alliance Panel from the chart.")

# -- a panel that cannot be shown --------------------------------------------------------------
NO_PATIENT = ("The EHR did not say which patient is open. Open Alliance Panel from a patient's "
              "chart.")
NOT_ALLOWED_TO_READ = ("The EHR did not let Alliance Panel read what it needs (the patient and "
                       "their sessions). Ask the EHR administrator to allow it for Alliance "
                       "Panel, then open it again from the chart.")

# -- the error page ------------------------------------------------------------------------------
OPEN_AGAIN = "To go on, open Alliance Panel again from the patient's chart in the EHR."
