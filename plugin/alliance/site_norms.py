"""A site's local norms file: parsed, laid over the shipped norms and checked against the
instruments, so a wrong value stops start-up with every problem named, never a silent default.

The file is JSON: a list of norms documents in the shape of ``fhir_profiles/norms/*.json``
(or ``{"norms": [...]}``). A document may give only the values it changes; each value needs
its own ``source`` (for example "local norms, Clinic X 2025, n = 412"), which the panel then
shows with every alert that uses it. Reading the file is the caller's job (this package does
no I/O): ``parse_site_norms(path.read_text(), instruments)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from plugin.alliance.errors import NormsError
from plugin.alliance.instruments import Instrument
from plugin.alliance.norms import NormSet, merge_norms, shipped_norms


def check_norms_fit(norms: NormSet, instruments: Iterable[Instrument], origin: str,
                    base: NormSet | None = None) -> None:
    """Every scale named exists on its instrument and every cut-off lies inside its range
    (only the forms that differ from ``base``, when given: the site's own entries)."""
    by_url = {i.url: i for i in instruments}
    problems: list[str] = []
    base_forms = base.forms if base is not None else {}
    for (url, rater), form in sorted(norms.forms.items()):
        if base_forms.get((url, rater)) == form:
            continue
        instrument = by_url.get(url)
        if instrument is None:
            problems.append(f"{url} ({rater}): no such instrument is offered.")
            continue
        for code, scale in form.scales.items():
            definition = instrument.scales.get(code)
            if definition is None:
                problems.append(f"{url} ({rater}): {instrument.title} has no scale {code!r} "
                                f"(it has {', '.join(instrument.scales)}).")
            elif scale.cutoff is not None and scale.cutoff.value is not None and not (
                    definition.minimum < scale.cutoff.value <= definition.maximum):
                problems.append(f"{url} ({rater}): cut-off {scale.cutoff.value:g} for {code} is "
                                f"outside the scale's {definition.minimum:g} to "
                                f"{definition.maximum:g}.")
        if form.paired_with is not None and form.paired_with not in by_url:
            problems.append(f"{url} ({rater}): pairedWith names {form.paired_with}, which is "
                            "not an instrument offered.")
    if problems:
        raise NormsError(f"{origin} does not fit the instruments", tuple(problems))


def parse_site_norms(text: str, instruments: Iterable[Instrument],
                     origin: str = "the site norms file",
                     base: NormSet | None = None) -> NormSet:
    """The shipped norms (or ``base``) overridden by a site's norms file, validated."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise NormsError(f"{origin} is not valid JSON ({err})") from err
    if isinstance(data, dict) and set(data) == {"norms"}:
        data = data["norms"]
    if not isinstance(data, list):
        raise NormsError(f"{origin} must be a list of norms documents (or {{\"norms\": [...]}})")
    base = base or shipped_norms()
    norms = merge_norms(base, data, origin)
    check_norms_fit(norms, list(instruments), origin, base)
    return norms
