"""Errors of the sandbox authorization server.

Protocol errors seen by apps are authlib's OAuth2Error tree (invalid_request, invalid_grant,
invalid_client, ...), turned into responses by authlib. This tree covers the rest:

    AuthSandboxError          base; `code` is machine-readable, str() is for humans
    └── ClientRegistrationError   a ClientRegistration in the settings cannot work
"""

from __future__ import annotations


class AuthSandboxError(Exception):
    code = "auth_sandbox_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClientRegistrationError(AuthSandboxError):
    code = "client_registration"
