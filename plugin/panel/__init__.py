"""The alliance panel: what it reads (one batch), what it shows (view model), how it draws trends.

Owns the panel's reads, view, trend drawing and alert list; plugin/web renders it.
May import plugin.fhir, plugin.launch, plugin.alliance, plugin.wording; never flask, plugin.web
or recording.
"""
