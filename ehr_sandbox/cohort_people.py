"""The people of the synthetic cohort: the clinic, its therapists and its clients.

Names are drawn from short lists by a seeded random generator; every identifier system is a
sandbox one, so nothing here can be mistaken for a real registry number.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ehr_sandbox.fhir.resource import Resource

IDENTIFIER_BASE = "https://ehr-sandbox.alliance-panel.example/sid"
MRN_SYSTEM = f"{IDENTIFIER_BASE}/mrn"
STAFF_SYSTEM = f"{IDENTIFIER_BASE}/staff"
ORG_SYSTEM = f"{IDENTIFIER_BASE}/organization"

_GIVEN = {
    "female": ("Amara", "Birgit", "Chiara", "Dana", "Elif", "Fenna", "Greta", "Hana", "Ines",
               "Jolene", "Katja", "Lena", "Mira", "Noor", "Olivia", "Priya", "Rosa", "Sanne"),
    "male": ("Aziz", "Bram", "Carlos", "Daniel", "Emil", "Farid", "Gideon", "Hugo", "Ivo",
             "Jonas", "Kenji", "Luca", "Mateo", "Niels", "Omar", "Pavel", "Rafael", "Stefan"),
}
_FAMILY = ("Andersen", "Bakker", "Castellano", "Dimitrov", "Eriksen", "Ferreira", "Gallagher",
           "Haddad", "Ivanova", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura",
           "O'Brien", "Petrova", "Quintero", "Rasmussen", "Sato", "Tanaka", "Uysal", "Vermeer",
           "Whitfield", "Yilmaz", "Zeller")
_THERAPISTS = (("Miriam", "Lindgren", "female"), ("Tobias", "Hartmann", "male"),
               ("Josephine", "Achterberg", "female"))


def make_id(rng: random.Random) -> str:
    """An opaque id, as real EHRs use: 16 hex digits from the seeded generator, never all
    decimal digits (HAPI FHIR, by default, refuses a client-assigned id without a letter)."""
    value = f"{rng.getrandbits(64):016x}"
    return "f" + value[1:] if value.isdigit() else value


def organization(rng: random.Random) -> Resource:
    return {
        "resourceType": "Organization",
        "id": make_id(rng),
        "identifier": [{"system": ORG_SYSTEM, "value": "CLINIC-001"}],
        "active": True,
        "type": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
            "code": "prov", "display": "Healthcare Provider",
        }]}],
        "name": "Lakeside Psychotherapy Practice",
        "telecom": [{"system": "phone", "value": "+1-555-0100", "use": "work"}],
        "address": [{"line": ["12 Harbour Lane"], "city": "Springfield", "postalCode": "00000",
                     "country": "US"}],
    }


def practitioners(rng: random.Random) -> list[Resource]:
    return [
        {
            "resourceType": "Practitioner",
            "id": make_id(rng),
            "identifier": [{"system": STAFF_SYSTEM, "value": f"T{n + 1:03d}"}],
            "active": True,
            "name": [{"use": "official", "family": family, "given": [given], "prefix": ["Dr."]}],
            "gender": gender,
            "qualification": [{"code": {"text": "Licensed psychotherapist"}}],
        }
        for n, (given, family, gender) in enumerate(_THERAPISTS)
    ]


def patient(rng: random.Random, number: int, today: date, org_id: str) -> Resource:
    """An adult client (19 to 75 years old today) with a medical record number."""
    gender = rng.choice(("female", "male"))
    given = rng.choice(_GIVEN[gender])
    family = rng.choice(_FAMILY)
    age_days = rng.randint(19 * 366, 75 * 365)
    return {
        "resourceType": "Patient",
        "id": make_id(rng),
        "identifier": [{
            "use": "usual",
            "type": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR",
                "display": "Medical record number",
            }]},
            "system": MRN_SYSTEM,
            "value": f"MRN{100000 + number * 7919 % 900000:06d}",
        }],
        "active": True,
        "name": [{"use": "official", "family": family, "given": [given]}],
        "telecom": [{"system": "phone", "value": f"+1-555-01{number:02d}", "use": "mobile"}],
        "gender": gender,
        "birthDate": (today - timedelta(days=age_days)).isoformat(),
        "managingOrganization": {"reference": f"Organization/{org_id}"},
    }
