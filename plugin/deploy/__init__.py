"""plugin.deploy: what an integrator runs before go-live.

Owns `alliance check --iss URL` (is this EHR usable, and where will records go) and
`alliance install --fhir URL` (load fhir_profiles into a FHIR server, idempotently) and
`alliance keys`. May import smart_launch, plugin.fhir (the client and the record-store rule),
plugin.launch, plugin.config, plugin.errors and fhir_profiles; never flask, web, audit, panel,
recording or ops.
"""
