"""Shared fixtures: the shipped instruments and a helper to answer the check-in by sums."""

from __future__ import annotations

import pytest

import fhir_profiles
from plugin.alliance import Instrument, instrument_from_questionnaire


@pytest.fixture(scope="session")
def checkin() -> Instrument:
    return instrument_from_questionnaire(fhir_profiles.questionnaire("alliance-checkin-client"))


@pytest.fixture(scope="session")
def checkin_therapist() -> Instrument:
    return instrument_from_questionnaire(fhir_profiles.questionnaire("alliance-checkin-therapist"))


@pytest.fixture(scope="session")
def wai() -> Instrument:
    return instrument_from_questionnaire(fhir_profiles.questionnaire("wai-sr-client"))


@pytest.fixture(scope="session")
def srs() -> Instrument:
    return instrument_from_questionnaire(fhir_profiles.questionnaire("srs"))
