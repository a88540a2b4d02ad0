"""A FHIR R4 transaction or batch Bundle turned into rows of the register CSV.

Each EpisodeOfCare is one involvement. Its patient, managing organisation and care manager are
read from the entries (or contained resources) it references, and become exactly the columns a
register file has, so that `parse_register_row` applies the same rules to both doors. What cannot
be mapped is reported as an `Issue` naming the entry; nothing here stores or logs anything.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, TypeVar

from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from fingerpost.gateway.fhir.columns import (
    Episode,
    Refusal,
    Source,
    episode_columns,
    patient_columns,
    practitioner_columns,
)
from fingerpost.gateway.fhir.outcome import FhirRefused, Issue
from fingerpost.gateway.fhir.systems import AGENCY_CODE

__all__ = ["BundleIntake", "read_bundle", "read_json", "validate"]

BundleKind = Literal["transaction", "batch"]
R = TypeVar("R", bound=Resource)
MODELS: dict[str, type[Resource]] = {
    "EpisodeOfCare": EpisodeOfCare,
    "Patient": Patient,
    "Organization": Organization,
    "PractitionerRole": PractitionerRole,
    "Practitioner": Practitioner,
}
_METHODS = frozenset({"POST", "PUT"})
# A status that says the involvement should not exist: withdrawing is its own operation.
_WITHDRAWN = frozenset({"entered-in-error", "cancelled"})
_STATUSES = frozenset({"planned", "waitlist", "active", "onhold", "finished"}) | _WITHDRAWN


@dataclass
class BundleIntake:
    """What a Bundle holds: its involvements and the problems found while reading it."""

    kind: BundleKind
    entries: int
    episode_entries: list[int] = field(default_factory=list)  # every EpisodeOfCare's entry
    episodes: list[Episode] = field(default_factory=list)  # those that could be mapped
    issues: list[Issue] = field(default_factory=list)
    # The EpisodeOfCare entries that could not be mapped, each with the issue that stopped it
    # (which may name another entry: the Patient it refers to, say).
    failed_episodes: dict[int, Issue] = field(default_factory=dict)

    @property
    def failed_entries(self) -> set[int]:
        return {issue.index for issue in self.issues if issue.index is not None}


def read_json(body: bytes, *, max_bytes: int) -> Any:
    """The request body as JSON, refused whole if it is too large or not JSON."""
    if len(body) > max_bytes:
        raise FhirRefused(
            Issue(
                f"the request is larger than {max_bytes // (1024 * 1024)} MiB", code="too-costly"
            ),
            status=413,
        )
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # A body nested deeper than the parser allows is as unreadable as one that is not JSON.
        raise FhirRefused(
            Issue("not JSON (FHIR's JSON format is expected)", code="structure")
        ) from None


def read_bundle(document: Any, *, agency: str, max_entries: int) -> BundleIntake:
    """Read a transaction or batch Bundle of the registering `agency`'s involvements.

    Raises FhirRefused when the document is not such a Bundle at all or has more than
    `max_entries` entries; problems with single entries are returned as issues instead.
    """
    kind, entries = _bundle_entries(document, max_entries)
    intake = BundleIntake("transaction" if kind == "transaction" else "batch", len(entries))
    intake.episode_entries = [
        index
        for index, entry in enumerate(entries)
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "EpisodeOfCare"
    ]
    resources: dict[int, Resource] = {}
    for index, entry in enumerate(entries):
        try:
            resources[index] = _read_entry(index, entry)
        except Refusal as problem:
            intake.issues.append(problem.issue)
    if not any(isinstance(resource, EpisodeOfCare) for resource in resources.values()):
        if not intake.issues:
            intake.issues.append(
                Issue("the Bundle holds no EpisodeOfCare: nothing to register", code="required")
            )
        return intake
    lookup = _References(entries, resources, intake.failed_entries)
    for index, resource in resources.items():
        if isinstance(resource, EpisodeOfCare):
            try:
                intake.episodes.append(_episode(index, resource, lookup, agency))
            except Refusal as problem:
                intake.issues.append(problem.issue)
                intake.failed_episodes[index] = problem.issue
    return intake


def _bundle_entries(document: Any, max_entries: int) -> tuple[str, list[Any]]:
    """The Bundle's type and entries, or FhirRefused when it is not a Bundle fingerpost takes."""
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise FhirRefused(
            Issue("not a FHIR Bundle (resourceType must be Bundle)", code="structure")
        )
    kind = document.get("type")
    if not (isinstance(kind, str) and kind in {"transaction", "batch"}):
        raise FhirRefused(
            Issue(
                "Bundle.type must be transaction or batch (an involvement is sent, not a"
                " document or a search result)",
                expression="Bundle.type",
                code="not-supported",
            )
        )
    entries = document.get("entry") or []
    if not isinstance(entries, list):
        raise FhirRefused(Issue("Bundle.entry must be a list", expression="Bundle.entry"))
    if len(entries) > max_entries:
        raise FhirRefused(
            Issue(
                f"the Bundle has {len(entries)} entries; at most {max_entries} are accepted in"
                " one request (send several, or a CSV file for a whole register)",
                expression="Bundle.entry",
                code="too-costly",
            ),
            status=413,
        )
    return kind, entries


def _read_entry(index: int, entry: Any) -> Resource:
    at = f"Bundle.entry[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        raise Refusal(Issue("the entry has no resource", index, at, "required"))
    request = entry.get("request")
    if not isinstance(request, dict) or str(request.get("method", "")).upper() not in _METHODS:
        raise Refusal(
            Issue(
                "request.method must be POST or PUT (withdrawing an involvement is"
                " DELETE /api/v1/involvements/{id})",
                index,
                f"{at}.request.method",
                "not-supported",
            )
        )
    body = entry["resource"]
    kind = body.get("resourceType")
    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        readable = ", ".join(MODELS)
        raise Refusal(
            Issue(
                f"resourceType must be one of {readable}",
                index,
                f"{at}.resource.resourceType",
                "not-supported",
            )
        )
    return validate(model, body, index, f"{at}.resource")


def validate(model: type[R], body: dict[str, Any], index: int | None, at: str) -> R:
    """`body` read by the FHIR `model`; Refusal naming the first element at fault."""
    name = model.__name__
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]  # the first is enough to act on; the value is never shown
        where = ".".join(str(part) for part in first["loc"])
        raise Refusal(
            Issue(f"{name}.{where}: {first['msg']}", index, f"{at}.{where}", "structure")
        ) from None
    except (KeyError, TypeError, ValueError):
        # fhir.resources fails this way on a contained resource of an unknown resourceType.
        raise Refusal(
            Issue(f"{name}: a resource within it is not a FHIR resource", index, at, "structure")
        ) from None


class _References:
    """Resolves an EpisodeOfCare's references: to a contained resource (`#id`), or to another
    entry by its fullUrl or by `Type/id`."""

    def __init__(
        self, entries: Sequence[Any], resources: Mapping[int, Resource], failed: set[int]
    ) -> None:
        self._resources = resources
        self._failed = failed
        self._by_address: dict[str, int] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str) and full_url:
                self._by_address.setdefault(full_url, index)
            body = entry.get("resource")
            if isinstance(body, dict) and body.get("id"):
                self._by_address.setdefault(f"{body.get('resourceType')}/{body['id']}", index)

    def resolve(
        self,
        reference: Reference | None,
        wanted: tuple[type[Resource], ...],
        *,
        holder: Source,
        contained: Sequence[Resource],
        element: str,
    ) -> tuple[Resource, Source] | None:
        if reference is None or not reference.reference:
            return None
        address = str(reference.reference)
        names = " or ".join(model.__name__ for model in wanted)
        if address.startswith("#"):
            for position, resource in enumerate(contained):
                if resource.id == address[1:] and isinstance(resource, wanted):
                    return resource, Source(
                        holder.index,
                        f"{holder.path}.contained[{position}]",
                        resource.get_resource_type(),
                    )
            self._unresolved(holder, element, f"no contained {names} has the id referred to")
        index = self._by_address.get(address)
        if index is None:
            # A full URL ending in Type/id also finds an entry given by Type/id, and back.
            tail = "/".join(address.rsplit("/", 2)[-2:])
            index = self._by_address.get(tail)
        if index is None:
            self._unresolved(
                holder, element, f"no {names} in the Bundle has the fullUrl or Type/id referred to"
            )
        if index in self._failed:
            self._unresolved(holder, element, f"entry {index} is not valid (see its issue)")
        resource = self._resources[index]
        if not isinstance(resource, wanted):
            self._unresolved(holder, element, f"entry {index} is not a {names}")
        return resource, Source(
            index, f"Bundle.entry[{index}].resource", resource.get_resource_type()
        )

    @staticmethod
    def _unresolved(holder: Source, element: str, reason: str) -> NoReturn:
        raise Refusal(
            Issue(
                f"{holder.resource}.{element}: {reason}",
                holder.index,
                f"{holder.path}.{element}",
                "not-found",
            )
        )


def _episode(index: int, episode: EpisodeOfCare, lookup: _References, agency: str) -> Episode:
    here = Source(index, f"Bundle.entry[{index}].resource", "EpisodeOfCare")
    _check_status(index, episode, here)
    contained = list(episode.contained or [])

    def find(
        reference: Reference | None, wanted: tuple[type[Resource], ...], element: str
    ) -> tuple[Resource, Source]:
        found = lookup.resolve(reference, wanted, holder=here, contained=contained, element=element)
        if found is None:
            names = " or ".join(model.__name__ for model in wanted)
            raise Refusal(
                Issue(
                    f"EpisodeOfCare.{element}: a reference to the {names} is required",
                    index,
                    f"{here.path}.{element}",
                    "required",
                )
            )
        return found

    patient, patient_at = find(episode.patient, (Patient,), "patient")
    organization, organization_at = find(
        episode.managingOrganization, (Organization,), "managingOrganization"
    )
    manager, manager_at = find(episode.careManager, (PractitionerRole, Practitioner), "careManager")
    sources = {
        "episode": here,
        "patient": patient_at,
        "organization": organization_at,
        "practitioner": manager_at,
    }
    assert isinstance(patient, Patient)  # find() checked the type
    assert isinstance(organization, Organization)
    _check_agency(organization, organization_at, agency)
    row = patient_columns(patient, patient_at)
    row.update(episode_columns(episode, here))
    row.update(_manager_columns(manager, lookup, here, contained, sources))
    return Episode(index, row, sources)


def _check_status(index: int, episode: EpisodeOfCare, here: Source) -> None:
    """An episode's status is FHIR's, and not one that withdraws (that is a DELETE)."""
    status = str(episode.status or "")
    if status not in _STATUSES:
        raise Refusal(
            Issue("EpisodeOfCare.status: not a FHIR episode status", index, f"{here.path}.status")
        )
    if status in _WITHDRAWN:
        raise Refusal(
            Issue(
                f"EpisodeOfCare.status {status}: withdraw an involvement registered in error"
                " with DELETE /api/v1/involvements/{id}",
                index,
                f"{here.path}.status",
                "not-supported",
            )
        )


def _manager_columns(
    manager: Resource,
    lookup: _References,
    here: Source,
    contained: list[Resource],
    sources: dict[str, Source],
) -> dict[str, str]:
    """The practitioner's columns, from a PractitionerRole (and the Practitioner it names, whose
    place is added to `sources`) or from a Practitioner alone."""
    if not isinstance(manager, PractitionerRole):
        assert isinstance(manager, Practitioner)  # find() checked the type
        return practitioner_columns(None, manager)
    person = lookup.resolve(
        manager.practitioner,
        (Practitioner,),
        holder=here,
        contained=contained,
        element="careManager.practitioner",
    )
    named = None
    if person is not None:
        named, sources["person"] = person
    assert named is None or isinstance(named, Practitioner)  # resolve() checked the type
    return practitioner_columns(manager, named)


def _check_agency(organization: Organization, at: Source, agency: str) -> None:
    codes = {
        str(identifier.value).strip()
        for identifier in organization.identifier or []
        if identifier.system == AGENCY_CODE and identifier.value
    }
    if not codes:
        raise Refusal(
            Issue(
                f"Organization.identifier: the agency's fingerpost code (system {AGENCY_CODE})"
                " is required",
                at.index,
                f"{at.path}.identifier",
                "required",
            )
        )
    if codes != {agency}:
        named = ", ".join(sorted(codes))
        raise Refusal(
            Issue(
                f"Organization: agency {named} is not the agency registering ({agency}); an"
                " agency registers only its own involvements",
                at.index,
                f"{at.path}.identifier",
                "forbidden",
            )
        )
