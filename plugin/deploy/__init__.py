"""plugin.deploy: what an integrator runs before go-live.

Owns `alliance check --iss URL` (is this EHR usable, and where will records go) and
`alliance install --fhir URL` (load fhir_profiles into a FHIR server, idempotently). May import
smart_launch, plugin.fhir, plugin.audit, fhir_profiles and the app's record-store rule; never flask.
"""
