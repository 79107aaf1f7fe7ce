"""The only package that imports flask: routes, browser handles, templates, static files."""

from plugin.web.app import create_app

__all__ = ["create_app"]
