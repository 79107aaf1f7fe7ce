"""The root of every error the app raises: smart_launch's tree and each plugin package's tree
grow from ``AppError``, so ``except AppError`` catches any of them and all are built alike.

One convention everywhere: ``SomeError(message, *, code=None)``. ``message`` is a sentence for
people (never a token, secret or answer text); ``code`` is machine-readable: a class default
that a raise may make more specific ("<package>.<reason>" in plugin, the OAuth error code or a
snake_case name in smart_launch). Subclasses add their own keyword fields (``upstream_status``,
``url``, ``missing``...), never positional ones before the message.

Imports nothing but the standard library, and nothing of the app: smart_launch may not import
plugin, and plugin.alliance stays free of HTTP and SMART (importing smart_launch would load
requests and authlib), so the root lives beside both.
"""

from __future__ import annotations

__all__ = ["AppError"]


class AppError(Exception):
    """Base of every error of smart_launch and plugin: ``code`` for machines, ``message`` for
    people; ``str()`` is the message."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"
