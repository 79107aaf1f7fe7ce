"""Operations: request ids, JSON log lines, Prometheus metrics and readiness checks.

Owns what an operator sees of a running instance. Framework-free: plugin.web (the only package
above it) mounts the routes and hooks. May import plugin.errors, plugin.launch (the session
store and its errors, for readiness), prometheus_client and requests; never flask, web, panel,
recording, audit or deploy (its neighbours in the layers of pyproject.toml).
"""
