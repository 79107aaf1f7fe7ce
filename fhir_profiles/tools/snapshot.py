"""Generate StructureDefinition snapshots from their differentials.

The base definitions come from the R4B models of ``fhir.resources`` (which match R4 for every
resource profiled here): element order, cardinality, types and reference targets are read from
the models, the differential is merged on top, and slices are placed after the element they
slice. R4B-only data types are left out so the snapshot stays valid R4.

Run ``python -m fhir_profiles.tools.snapshot`` after editing a differential; the test suite checks
that every stored snapshot equals a freshly generated one.
"""

from __future__ import annotations

import copy
import json
import sys
import typing
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.backboneelement import BackboneElement

PACKAGE_DIR = Path(__file__).resolve().parent.parent
R4_SPEC = "http://hl7.org/fhir/R4"
SD_BASE = "http://hl7.org/fhir/StructureDefinition/"
R4B_ONLY_TYPES = {"CodeableReference", "RatioRange"}
#: Annotation markers whose class name is not the FHIR primitive's name.
FHIR_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SYSTEM_STRING = "http://hl7.org/fhirpath/System.String"
MARKER_TYPES = {"EncodedBytes": "base64Binary", "UuidVersion": "uuid"}
RESOURCE_INHERITED = {"id": "Resource", "meta": "Resource", "implicitRules": "Resource",
                      "language": "Resource", "text": "DomainResource",
                      "contained": "DomainResource", "extension": "DomainResource",
                      "modifierExtension": "DomainResource"}
ELEMENT_INHERITED = {"id": "Element", "extension": "Element",
                     "modifierExtension": "BackboneElement"}
Element = dict[str, Any]


def _unwrap(annotation: Any) -> tuple[Any, bool, bool]:
    """Strip Optional/Union/List from a field annotation: (type, is a list, is optional)."""
    many = optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            optional = True
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin in (list, typing.List):  # noqa: UP006
            many, annotation = True, typing.get_args(annotation)[0]
        else:
            return annotation, many, optional


def _type_code(annotation: Any) -> tuple[str, type | None]:
    """FHIR type code of an unwrapped annotation, and the backbone class if it is one."""
    if typing.get_origin(annotation) is typing.Annotated:
        marker = typing.get_args(annotation)[1]
        name = type(marker).__name__
        return MARKER_TYPES.get(name, name[0].lower() + name[1:]), None
    if annotation is bool:
        return "boolean", None
    name = getattr(annotation, "__name__", str(annotation)).split(".")[-1]
    name = name[:-4] if name.endswith("Type") else name
    if name == "Resource":
        return "Resource", None
    cls = get_fhir_model_class(name)
    own_module = cls.__module__.rsplit(".", 1)[-1] == name.lower()
    if issubclass(cls, BackboneElement) and not own_module:
        return "BackboneElement", cls
    return name, None


Child = tuple[str, Element, type | None]


def _base_elements(cls: type, path: str, is_resource: bool) -> list[Child]:
    """(name, element, backbone class) for each child element of a model, in FHIR order."""
    fields = {(f.alias or n): f for n, f in cls.model_fields.items()}  # type: ignore[attr-defined]
    out: list[Child] = []
    choices: dict[str, Element] = {}
    for name in cls.elements_sequence():  # type: ignore[attr-defined]
        info = fields[name]
        extra = info.json_schema_extra or {}
        annotation, many, optional = _unwrap(info.annotation)
        code, backbone = _type_code(annotation)
        if code in R4B_ONLY_TYPES:
            continue
        typ: Element = {"code": code}
        if name == "id" or (name == "url" and cls.__name__ == "Extension"):
            # As in the R4 core definitions: ids and extension urls are FHIRPath strings
            # carrying their FHIR type in the structuredefinition-fhir-type extension.
            typ = {"extension": [{"url": FHIR_TYPE_EXTENSION, "valueUrl":
                                  "uri" if name == "url" else "string"}],
                   "code": SYSTEM_STRING}
        if code == "Reference" and extra.get("enum_reference_types"):
            typ["targetProfile"] = [SD_BASE + t for t in extra["enum_reference_types"]]
        choice = extra.get("one_of_many")
        if choice:
            if choice in choices:
                choices[choice]["type"].append(typ)
                continue
            name = f"{choice}[x]"
        inherited = RESOURCE_INHERITED if is_resource else ELEMENT_INHERITED
        base_path = f"{inherited[name]}.{name}" if name in inherited else f"{path}.{name}"
        required = bool(extra.get("element_required") or extra.get("one_of_many_required")
                        or not optional)
        element: Element = {"min": 1 if required else 0, "max": "*" if many else "1"}
        element["base"] = {"path": base_path, "min": element["min"], "max": element["max"]}
        element["type"] = [typ]
        if name == "modifierExtension":
            element["isModifier"] = True
            element["isModifierReason"] = "Modifier extensions change the meaning of the element."
        if choice:
            choices[choice] = element
        out.append((name, element, backbone))
    return out


def _describe(path: str) -> Element:
    resource = path.split(".")[0].lower()
    page = f"{R4_SPEC}/{resource}-definitions.html#{path}"
    return {"short": path.split(".")[-1], "definition": f"As {path} in FHIR R4, see {page}."}


def _merge(base: Element, diff: Element | None, eid: str, path: str) -> Element:
    element: Element = {"id": eid, "path": path, **_describe(path), **copy.deepcopy(base)}
    for key, value in (diff or {}).items():
        if key not in ("id", "path"):
            element[key] = copy.deepcopy(value)
    return element


def _expand(cls: type, path: str, prefix: str, diff: dict[str, Element], is_resource: bool,
            seen: dict[type, str]) -> list[Element]:
    out: list[Element] = []
    for name, base, backbone in _base_elements(cls, path, is_resource):
        child_path, child_id = f"{path}.{name}", f"{prefix}.{name}"
        if backbone is not None and seen.get(backbone, child_path) != child_path:
            ref_base = {k: v for k, v in base.items() if k != "type"}
            ref_base["contentReference"] = "#" + seen[backbone]
            out.append(_merge(ref_base, diff.get(child_id), child_id, child_path))
            continue
        out.append(_merge(base, diff.get(child_id), child_id, child_path))
        out += _children(out[-1], backbone, diff, seen)
        slices = [d for i, d in diff.items() if i.startswith(child_id + ":") and
                  "." not in i[len(child_id):] and ":" not in i[len(child_id) + 1:]]
        for slice_diff in slices:
            out.append(_merge(base, slice_diff, slice_diff["id"], child_path))
            out += _children(out[-1], backbone, diff, seen)
    return out


def _children(element: Element, backbone: type | None, diff: dict[str, Element],
              seen: dict[type, str]) -> list[Element]:
    """Expand an element's children: always for a backbone, else only if the diff reaches in.

    A backbone type met again at another path (QuestionnaireResponse.item.item) becomes a
    ``contentReference`` to its first path, as in the R4 base definitions.
    """
    eid, path = element["id"], element["path"]
    if backbone is not None:
        seen.setdefault(backbone, path)
        return _expand(backbone, path, eid, diff, False, seen)
    if any(i.startswith(eid + ".") for i in diff) and len(element.get("type", [])) == 1:
        cls = get_fhir_model_class(element["type"][0]["code"])
        return _expand(cls, path, eid, diff, False, {})
    return []


def generate_snapshot(structure_definition: dict[str, Any]) -> list[Element]:
    """The snapshot elements for a StructureDefinition, from its type's base and differential."""
    typ = structure_definition["type"]
    diff = {e["id"]: e for e in structure_definition["differential"]["element"]}
    cls = get_fhir_model_class(typ)
    is_resource = structure_definition["kind"] == "resource"
    root = _merge({"min": 0, "max": "*", "base": {"path": typ, "min": 0, "max": "*"}},
                  diff.get(typ), typ, typ)
    return [root, *_expand(cls, typ, typ, diff, is_resource, {})]


def write_snapshots(folder: Path = PACKAGE_DIR) -> list[Path]:
    """Regenerate the snapshot of every StructureDefinition file in ``folder``."""
    written = []
    for path in sorted(folder.glob("StructureDefinition-*.json")):
        sd = json.loads(path.read_text(encoding="utf-8"))
        sd["snapshot"] = {"element": generate_snapshot(sd)}
        path.write_text(json.dumps(sd, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_snapshots(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE_DIR):
        print(f"snapshot written: {written_path.name}")
