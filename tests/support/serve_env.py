"""The settings a test gives `alliance serve` (or create_app through the environment) when it
needs an instance that starts: valid, development mode, nothing that answers behind the EHR's
address. Tests add their own data folder and what they are about."""

from __future__ import annotations

SERVE_ENV = {"ALLIANCE_PUBLIC_URL": "http://127.0.0.1:9", "ALLIANCE_CLIENT_ID": "c",
             "ALLIANCE_ALLOWED_ISS": "http://127.0.0.1:9/fhir",
             "ALLIANCE_SECRET_KEY": "Qm7x-2LpV9cRz4tNw8bKd1yHs6fJg3eUa5oWi0Tq",
             "ALLIANCE_DEVELOPMENT": "true"}
