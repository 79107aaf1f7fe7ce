"""The EHR's own pages: the patient list and the chart that launches the app in an iframe, and
the patient portal that opens the app for a client (portal.py).

Owns the chart blueprint, its templates and CSS. Reads the FHIR store directly; gets launches
from a callable (ehr_sandbox.auth.AuthServer.create_launch in the composed app).
"""

from ehr_sandbox.chart.portal import portal_blueprint
from ehr_sandbox.chart.views import chart_blueprint

__all__ = ["chart_blueprint", "portal_blueprint"]
