"""FHIR access: the REST client, reading FHIR JSON leniently, record stores, record builders.

Owns every byte the app sends to or reads from a FHIR server, and the resources it writes.
May import plugin.alliance, plugin.config, plugin.errors, smart_launch; never flask or above.
"""
