"""Operations: request ids, JSON log lines, Prometheus metrics and readiness checks.

Owns what an operator sees of a running instance. Framework-free (plugin.web mounts the routes
and hooks); may import plugin.config, plugin.errors, plugin.launch.session_store,
prometheus_client and requests, and nothing else of the app, so every layer may import it.
"""
