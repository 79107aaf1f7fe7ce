"""URLs and codes of the Alliance Panel vocabulary, all under the package's one canonical base."""

from __future__ import annotations

from typing import Final, Literal

from fhir_profiles import CANONICAL

CODE_SYSTEM: Final = f"{CANONICAL}/CodeSystem/alliance-panel"
SCORING_EXTENSION: Final = f"{CANONICAL}/StructureDefinition/alliance-scoring"
TEXT_PACK_REQUIRED_EXTENSION: Final = f"{CANONICAL}/StructureDefinition/alliance-text-pack-required"
RATER_ROLE_EXTENSION: Final = f"{CANONICAL}/StructureDefinition/alliance-rater-role"
INSTRUMENT_EXTENSION: Final = f"{CANONICAL}/StructureDefinition/alliance-instrument"

ORDINAL_VALUE: Final = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
ITEM_WEIGHT: Final = "http://hl7.org/fhir/StructureDefinition/itemWeight"
MIN_VALUE: Final = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE: Final = "http://hl7.org/fhir/StructureDefinition/maxValue"
CALCULATED_EXPRESSION: Final = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression")

TOTAL: Final = "total"
COMPONENTS: Final = ("goal", "task", "bond")
#: The display of each scale code in CodeSystem/alliance-panel.
SCALE_DISPLAY: Final = {"total": "Total", "goal": "Goals", "task": "Tasks", "bond": "Bond"}
Rater = Literal["client", "therapist"]
RATERS: Final = ("client", "therapist")
