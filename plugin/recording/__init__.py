"""Recording a session's alliance: the form catalogue, reading answers, saving and correcting.

Owns the Submission as the app builds it, the one write path (one rating per session, drafts,
the outbox that sends each save exactly once), and the client hand-off lock.
May import plugin.fhir, plugin.launch, plugin.alliance, plugin.config, plugin.errors, plugin's
name and version, smart_launch (the launch context) and fhir_profiles; never flask, web, panel,
ops, audit or deploy.
"""
