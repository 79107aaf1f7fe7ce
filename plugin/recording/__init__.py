"""Recording a session's alliance: the form catalogue, reading answers, saving and correcting.

Owns the Submission as the app builds it, the one write path (one rating per session, drafts,
the outbox that sends each save exactly once), and the client hand-off lock.
May import plugin.fhir, plugin.launch, plugin.alliance, plugin.config, plugin.errors; never flask.
"""
