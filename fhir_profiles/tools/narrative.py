"""Generate the narrative (``text``, status ``generated``) of every resource in the package.

The narrative is a short XHTML summary made only from the resource's own elements: its title
and description, and per kind the items (Questionnaire: number or linkId, type, scale, and the
text where the package ships it: licensed instruments ship none), the concepts (CodeSystem),
the included codes (ValueSet), the elements constrained (StructureDefinition) or the resources
required (CapabilityStatement). Run ``python -m fhir_profiles.tools.narrative`` after any edit
(after ``tools.snapshot`` and ``tools.sdc``); the tests check that every narrative is current.
"""

from __future__ import annotations

import json
import sys
from html import escape
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent.parent
XHTML = "http://www.w3.org/1999/xhtml"
Json = dict[str, Any]


def _list(rows: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{row}</li>" for row in rows) + "</ul>" if rows else ""


def _questionnaire_rows(q: Json) -> list[str]:
    rows = []
    for item in q.get("item", []):
        label = escape(str(item.get("prefix") or item["linkId"]))
        scale = ", ".join(escape(str(c.get("display", c["code"]))) for c in item.get("code", []))
        parts = [f"<b>{label}</b> ({escape(item['type'])}{'; ' + scale if scale else ''}"
                 f"{'; required' if item.get('required') else ''}"
                 f"{'; calculated' if item.get('readOnly') else ''})"]
        if "text" in item:
            parts.append(escape(item["text"]))
        options = [escape(str(o["valueCoding"].get("display", o["valueCoding"]["code"])))
                   for o in item.get("answerOption", []) if "valueCoding" in o]
        if options:
            parts.append("options: " + " / ".join(options))
        rows.append(": ".join(parts[:2]) + ("; " + parts[2] if len(parts) > 2 else ""))
    return rows


def _concept_rows(concepts: list[Json]) -> list[str]:
    return [f"<code>{escape(c['code'])}</code> {escape(c.get('display', ''))}"
            + _list(_concept_rows(c.get("concept", []))) for c in concepts]


def _body(res: Json) -> str:
    kind = res["resourceType"]
    if kind == "Questionnaire":
        return _list(_questionnaire_rows(res))
    if kind == "CodeSystem":
        return _list(_concept_rows(res.get("concept", [])))
    if kind == "ValueSet":
        return _list([f"{escape(inc['system'])}: "
                      + ", ".join(f"<code>{escape(c['code'])}</code>" for c in inc["concept"])
                      for inc in res["compose"]["include"]])
    if kind == "StructureDefinition":
        rows = [f"<code>{escape(e['id'])}</code> {e.get('min', '')}..{e.get('max', '')}"
                for e in res.get("differential", {}).get("element", [])[1:]]
        return (f"<p>{escape(res.get('type', ''))} ({escape(res.get('kind', ''))}), "
                f"derived from {escape(res.get('baseDefinition', ''))}</p>" + _list(rows))
    if kind == "CapabilityStatement":
        return _list([f"{escape(r['type'])}: " + ", ".join(
            escape(i["code"]) for i in r.get("interaction", []))
            for rest in res.get("rest", []) for r in rest.get("resource", [])])
    return ""


def narrative(res: Json) -> Json:
    head = escape(str(res.get("title") or res.get("name") or res["id"]))
    description = res.get("description")
    div = (f'<div xmlns="{XHTML}"><p><b>{head}</b></p>'
           + (f"<p>{escape(description)}</p>" if description else "") + _body(res) + "</div>")
    return {"status": "generated", "div": div}


def with_narrative(res: Json) -> Json:
    """The resource with its generated ``text`` placed after ``id`` (and ``meta``)."""
    out: Json = {}
    for key, value in res.items():
        if key != "text":
            out[key] = value
        if key == ("meta" if "meta" in res else "id"):
            out["text"] = narrative(res)
    return out


def write_narratives(folder: Path = PACKAGE_DIR) -> list[Path]:
    written = []
    for path in sorted(folder.glob("*.json")):
        if path.name == "package.json":
            continue
        before = path.read_text(encoding="utf-8")
        text = json.dumps(with_narrative(json.loads(before)), indent=2, ensure_ascii=False) + "\n"
        if before != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for written_path in write_narratives(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE_DIR):
        print(f"wrote {written_path.name}")
