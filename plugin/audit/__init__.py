"""plugin.audit: the audit trail and the auditor's checks.

Owns BALP AuditEvent builders, the hash-chained JSON-lines sink, and `alliance audit` (re-scoring
stored responses, checking scores, Provenance, versions and the sink). May import plugin.alliance,
plugin.fhir, plugin.launch.sqlite_wal (the spool's file), fhir_profiles, smart_launch and
fhir.resources; never flask, web or deploy.
"""
