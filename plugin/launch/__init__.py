"""Launches: from a SMART launch request to a stored per-launch context behind a random handle.

Owns the launch flow, the server-side session store and the scopes the app asks for.
May import plugin.config, plugin.errors and smart_launch; never flask, fhir, recording or panel.
"""
