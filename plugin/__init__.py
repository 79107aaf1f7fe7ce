"""Alliance Panel: a SMART-on-FHIR plugin that shows the therapeutic alliance beside the chart.

The app is built by ``plugin.web.create_app``; this module only names the app and its version
(written into every Provenance), so the layers below web can import it without pulling in flask.
"""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "Alliance Panel"
