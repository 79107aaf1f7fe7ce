"""How a person fills our Questionnaires in each renderer: a click on the item's control and a
click on the chosen option (a radio button where the renderer shows radio buttons, otherwise the
option in the drop-down list), and typing only into number fields. Each renderer's page exposes
renderForm(questionnaire, terminologyServerUrl) and currentResponse() (pages/, the bundle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Answers = dict[str, str]  # linkId -> option code (choice) or the number typed (decimal)


@dataclass(frozen=True)
class Renderer:
    name: str
    page: str  # path on the tier's site
    item: str  # CSS selector of an item's container; {link} is the linkId
    list_option: str  # CSS selector of the i-th option ({i}) of an open drop-down list

    def container(self, page: Any, link_id: str) -> Any:
        return page.locator(self.item.format(link=link_id.replace("'", "\\'")))

    def choose(self, page: Any, link_id: str, position: int) -> None:
        """Click the option at `position` (0-based, in answerOption order) of a choice item."""
        box = self.container(page, link_id)
        radios = box.locator("input[type=radio]")
        if radios.count():
            radios.nth(position).click()
            return
        box.locator("input[role=combobox]").click()
        page.locator(self.list_option.format(i=position)).click()

    def type_number(self, page: Any, link_id: str, value: str) -> None:
        field = self.container(page, link_id).locator("input").first
        field.click()
        field.press_sequentially(value)
        field.press("Tab")


LHC_FORMS = Renderer(
    name="lhc-forms", page="/lhc-forms.html", item="[id='item-{link}/1']",
    list_option="#lhc-tools-searchResults li[autocomprawlistindex='{i}']")
SMART_FORMS = Renderer(
    name="smart-forms", page="/smart-forms.html", item="[data-linkid='{link}']",
    list_option="[role=listbox] li[role=option] >> nth={i}")
RENDERERS = (LHC_FORMS, SMART_FORMS)


def fill(renderer: Renderer, page: Any, questionnaire: dict[str, Any], answers: Answers) -> None:
    """Fill every answered item of `questionnaire` on the rendered page, by clicking."""
    for item in questionnaire["item"]:
        link_id = item["linkId"]
        if link_id not in answers:
            continue
        if item["type"] == "choice":
            codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
            renderer.choose(page, link_id, codes.index(answers[link_id]))
        elif item["type"] in ("decimal", "integer"):
            renderer.type_number(page, link_id, answers[link_id])
        else:
            raise AssertionError(f"no way to fill a {item['type']} item ({link_id}) by clicking")
        # As a person would, wait for the form to take the answer before the next item (Smart
        # Forms debounces typed numbers: a field left at once can lose its value).
        page.wait_for_function(ANSWERED, arg=link_id)


# True once the renderer's current response has an answer for the linkId (nested items too).
ANSWERED = """(linkId) => {
  const walk = (items) => (items || []).some((i) =>
    (i.linkId === linkId && (i.answer || []).length > 0) || walk(i.item)
    || (i.answer || []).some((a) => walk(a.item)));
  return walk(window.currentResponse().item);
}"""
