"""The conformance resources fingerpost publishes (CapabilityStatement, CodeSystem, profiles):
static JSON shipped with the package, served as they are by the API."""

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["published"]


@cache
def published() -> dict[str, dict[str, Any]]:
    """Each published resource by its address under the FHIR base, e.g. `CodeSystem/involvement`
    (the CapabilityStatement's is `metadata`)."""
    found: dict[str, dict[str, Any]] = {}
    folder = resources.files(__package__).joinpath("conformance")
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not item.name.endswith(".json"):
            continue
        body: dict[str, Any] = json.loads(item.read_text(encoding="utf-8"))
        kind = body["resourceType"]
        address = "metadata" if kind == "CapabilityStatement" else f"{kind}/{body['id']}"
        found[address] = body
    return found
