"""Recording a session's alliance: the form catalogue, reading answers, saving and correcting.

Owns the Submission as the app builds it, the one write path, and the client hand-off lock.
May import plugin.fhir, plugin.launch, plugin.alliance, plugin.config, plugin.errors; never flask.
"""
