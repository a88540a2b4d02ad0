"""The gateway's rule before an enquiry leaves for the hub — the words that go with it never
name the child — lives in one use case (`gateway/enquiry.py`), and every entrypoint that asks
the hub for an enquiry goes through it."""

import ast
from pathlib import Path

import pytest

from conftest import make_enquiry_row
from fingerpost.domain.errors import InvalidValue
from fingerpost.gateway import enquiry_child, enquiry_parts

ENTRYPOINTS = Path(__file__).resolve().parents[2] / "src" / "fingerpost" / "entrypoints"
# The hub's own API for gateways receives children already encoded: the rule ran at the gateway
# before the words left it (docs/adr/0026), and the hub could not check them against a name.
HUB_SIDE = {"hub_api.py"}
ROW = make_enquiry_row(given_names="Hermione", family_name="Okafor", postcode="LS6 3HN")


@pytest.mark.parametrize(
    ("purpose", "reasons"),
    [
        ("worried about Hermione", ()),
        ("emergency-care", ("Okafor family in a refuge",)),
        ("emergency-care", ("born 2015-06-07, seen at LS6 3HN",)),
    ],
)
def test_words_naming_the_child_are_refused_before_anything_is_encoded(
    purpose: str, reasons: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidValue, match="never the child's name or details"):
        enquiry_child(ROW, purpose=purpose, reasons=reasons)
    with pytest.raises(InvalidValue, match="never the child's name or details"):
        enquiry_parts(ROW, purpose=purpose, reasons=reasons)


def test_a_purpose_saying_only_why_passes_with_the_row_reference() -> None:
    child = enquiry_child(ROW, purpose="found alone at the station", reasons=["risk to life"])
    assert child.family_name == "Okafor"
    assert enquiry_parts(ROW, purpose="emergency-care")[0] == ROW["enquiry_ref"]


def _calls_the_hubs_enquiry(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"enquire", "enquire_many"}
        for node in ast.walk(tree)
    )


def _uses_the_gateway_rule(tree: ast.AST) -> bool:
    names = {"enquiry_child", "enquiry_parts"}
    return any(
        (isinstance(node, ast.Name) and node.id in names)
        or (isinstance(node, ast.alias) and node.name in names)
        for node in ast.walk(tree)
    )


def test_every_entrypoint_calling_the_hubs_enquiry_goes_through_the_gateway_rule() -> None:
    callers = []
    for module in sorted(ENTRYPOINTS.rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        if module.name not in HUB_SIDE and _calls_the_hubs_enquiry(tree):
            callers.append(module.name)
            assert _uses_the_gateway_rule(tree), f"{module} enquires without enquiry_child"
    assert callers  # the walk found the enquiring entrypoints (it is not looking elsewhere)
