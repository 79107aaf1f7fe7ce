"""SMART authorization server of the development EHR."""

from .scopes import AccessGrant
from .server import AuthServer
from .views import Directory

__all__ = ["AccessGrant", "AuthServer", "Directory"]
