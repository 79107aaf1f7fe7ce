"""The web app: create_app, the typed services, routes, error pages, security, the EHR's style.

Owns everything HTTP-facing (templates, static files, CSP, CSRF, the browser cookie).
The only package that imports flask or werkzeug; may import every other package of plugin/.
"""

from plugin.web.app import create_app

__all__ = ["create_app"]
