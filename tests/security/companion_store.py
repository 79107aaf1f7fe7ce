"""A companion record store on the hostile server (under /store): SMART backend services
(client_credentials, the assertion not checked here), transactions that keep what they are
sent, and searches that return it. With it the app under attack writes its records outside
the EHR and so can make a client's one-time links (plugin/web/client_link_routes.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from smart_launch.keys import generate_private_key_pem
from tests.support.hostile import HostileServer, json_response

from .app_harness import CAPABILITY, searchset


class CompanionStore:
    def __init__(self, server: HostileServer) -> None:
        self.server = server
        self.saved: list[dict[str, Any]] = []
        self.tokens: list[dict[str, str]] = []  # the token requests, as posted
        base = f"{server.url}/store"
        server.json("GET", "/store/.well-known/smart-configuration", {
            "token_endpoint": f"{base}/token", "token_endpoint_auth_methods_supported": [
                "private_key_jwt"], "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
            "capabilities": ["client-confidential-asymmetric"]})
        server.json("GET", "/store/metadata", CAPABILITY)
        server.route("POST", "/store/token", self._token)
        server.route("POST", "/store", self._bundle)
        server.route("GET", "/store/QuestionnaireResponse", self._search)

    @property
    def base(self) -> str:
        return f"{self.server.url}/store"

    def settings(self, tmp_path: Path) -> dict[str, str]:
        """The app's settings for this store: its URL, a key, records always here."""
        key = tmp_path / "backend.pem"
        key.write_bytes(generate_private_key_pem("RS384"))
        return {"record_store_url": self.base, "private_key_file": str(key),
                "record_store_mode": "companion"}

    def responses(self) -> list[dict[str, Any]]:
        return [r for r in self.saved if r["resourceType"] == "QuestionnaireResponse"]

    def _token(self, request: Any) -> Any:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        self.tokens.append(form)
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        return json_response({"access_token": f"backend-{len(self.tokens)}",
                              "token_type": "Bearer", "expires_in": 300,
                              "scope": form.get("scope", "")})

    def _search(self, _request: Any) -> Any:
        return json_response(searchset(*self.responses()))

    def _bundle(self, request: Any) -> Any:
        bundle = json.loads(request.get_data())
        if bundle.get("type") != "transaction":  # the panel's batch of reads: nothing stored
            entries = [{"resource": searchset(*(r for r in self.saved if r["resourceType"]
                                                == e["request"]["url"].split("?")[0])),
                        "response": {"status": "200 OK"}} for e in bundle["entry"]]
            return json_response({"resourceType": "Bundle", "type": "batch-response",
                                  "entry": entries})
        entries = []
        for entry in bundle["entry"]:
            resource = {**entry["resource"], "id": f"s{len(self.saved)}"}
            self.saved.append(resource)
            entries.append({"response": {
                "status": "201 Created",
                "location": f"{resource['resourceType']}/{resource['id']}/_history/1"}})
        return json_response({"resourceType": "Bundle", "type": "transaction-response",
                              "entry": entries})
