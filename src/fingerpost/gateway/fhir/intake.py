"""A FHIR R4 transaction or batch Bundle turned into rows of the register CSV.

Each EpisodeOfCare is one involvement. Its patient, managing organisation and care manager are
read from the entries (or contained resources) it references, and become exactly the columns a
register file has, so that `parse_register_row` applies the same rules to both doors. What cannot
be mapped is reported as an `Issue` naming the entry; nothing here stores or logs anything.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, NoReturn, TypeVar

from fhir.resources.R4B.address import Address
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from fingerpost.domain.errors import DomainError
from fingerpost.gateway.fhir.outcome import FhirRefused, Issue
from fingerpost.gateway.fhir.systems import (
    AGENCY_CODE,
    CARE_LEAVER,
    INVOLVEMENT,
    LOCAL_REF,
    NHS_NUMBER,
)

__all__ = [
    "BundleIntake",
    "Episode",
    "Refusal",
    "Source",
    "explain",
    "patient_columns",
    "read_bundle",
    "read_json",
    "validate",
]

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


@dataclass(frozen=True, slots=True)
class Source:
    """Where a register column's value came from: the entry and the resource's FHIRPath."""

    index: int | None  # None: not in a Bundle (a $match's Parameters)
    path: str  # e.g. Bundle.entry[1].resource or Bundle.entry[3].resource.contained[0]
    resource: str  # its resourceType


@dataclass(frozen=True, slots=True)
class Episode:
    """One EpisodeOfCare as a register row, with where each part of it came from."""

    index: int
    row: dict[str, str]
    sources: Mapping[str, Source]  # "episode", "patient", "organization", "practitioner"…


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


class Refusal(Exception):
    """One resource cannot be used; `issue` says where and why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.reason)
        self.issue = issue


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
    row.update(_episode_columns(episode, here))
    if isinstance(manager, PractitionerRole):
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
        row.update(_practitioner_columns(manager, named))
    else:
        assert isinstance(manager, Practitioner)
        row.update(_practitioner_columns(None, manager))
    return Episode(index, row, sources)


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


def patient_columns(patient: Patient, at: Source) -> dict[str, str]:
    """The child's columns of a register (or enquiry) row; Refusal for an identifier system
    fingerpost does not read."""
    row: dict[str, str] = {}
    for position, identifier in enumerate(patient.identifier or []):
        column = {NHS_NUMBER: "nhs_number", LOCAL_REF: "local_ref"}.get(str(identifier.system))
        if column is None:
            raise Refusal(
                Issue(
                    "Patient.identifier: a system fingerpost does not read: the NHS number's is"
                    f" {NHS_NUMBER}, your own reference for the child's {LOCAL_REF}",
                    at.index,
                    f"{at.path}.identifier[{position}].system",
                    "value",
                )
            )
        if column in row:
            raise Refusal(
                Issue(
                    f"Patient.identifier: more than one with system {identifier.system}",
                    at.index,
                    f"{at.path}.identifier[{position}]",
                )
            )
        row[column] = str(identifier.value or "")
    names = list(patient.name or [])
    primary = _primary_name(names)
    if primary is not None:
        given, family = _name_parts(primary)
        row["given_names"], row["family_name"] = given, family
    others = (" ".join(filter(None, _name_parts(name))) for name in names if name is not primary)
    # `;` separates other names in a register row: inside one name it is only a separator.
    row["other_names"] = ";".join(other.replace(";", " ") for other in others if other)
    row["date_of_birth"] = _date_text(patient.birthDate)
    row["sex"] = str(patient.gender or "")
    row["postcode"] = _postcode(list(patient.address or []))
    return row


def _primary_name(names: Sequence[HumanName]) -> HumanName | None:
    """The official name, else the first usual (or unlabelled) one, else the first."""
    for uses in (("official",), ("usual", None)):
        for name in names:
            if name.use in uses:
                return name
    return names[0] if names else None


def _name_parts(name: HumanName) -> tuple[str, str]:
    given = " ".join(str(part) for part in name.given or [])
    family = str(name.family or "")
    if not (given or family) and name.text:
        # Only the text: its last word is taken as the family name, as a form would have it.
        *first, last = str(name.text).split() or [""]
        return " ".join(first), last
    return given, family


def _postcode(addresses: Sequence[Address]) -> str:
    """The home address's postcode, else the first address that has one."""
    with_code = [address for address in addresses if address.postalCode]
    for address in with_code:
        if address.use == "home":
            return str(address.postalCode)
    return str(with_code[0].postalCode) if with_code else ""


def _date_text(value: object) -> str:
    """A FHIR date or dateTime as the register's ISO date; a partial date (a year, a month)
    stays as written and is refused by the register's date rule like any other bad date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


def _episode_columns(episode: EpisodeOfCare, at: Source) -> dict[str, str]:
    codes = [
        str(coding.code or "")
        for concept in episode.type or []
        for coding in concept.coding or []
        if coding.system == INVOLVEMENT
    ]
    if len(codes) != 1:
        raise Refusal(
            Issue(
                f"EpisodeOfCare.type: exactly one coding from {INVOLVEMENT} is required"
                f" ({len(codes)} given)",
                at.index,
                f"{at.path}.type",
                "required" if not codes else "invalid",
            )
        )
    period = episode.period
    care_leaver = [
        bool(extension.valueBoolean)
        for extension in episode.extension or []
        if extension.url == CARE_LEAVER
    ]
    return {
        "involvement": codes[0],
        "start_date": _date_text(period.start if period else None),
        "end_date": _date_text(period.end if period else None),
        "care_leaver": "yes" if any(care_leaver) else "",
    }


def _practitioner_columns(
    role: PractitionerRole | None, person: Practitioner | None
) -> dict[str, str]:
    telecom = [*(role.telecom or [] if role else []), *(person.telecom or [] if person else [])]
    names = list(person.name or []) if person else []
    name = ""
    if names:
        first = _primary_name(names) or names[0]
        name = str(first.text or "") or " ".join(filter(None, _name_parts(first)))
    return {
        "practitioner_name": name,
        "practitioner_role": _role_text(role),
        "practitioner_phone": _contact(telecom, "phone"),
        "practitioner_email": _contact(telecom, "email"),
    }


def _role_text(role: PractitionerRole | None) -> str:
    for concept in (role.code or []) if role else []:
        if concept.text:
            return str(concept.text)
        for coding in concept.coding or []:
            if coding.display or coding.code:
                return str(coding.display or coding.code)
    return ""


def _contact(telecom: Sequence[ContactPoint], system: str) -> str:
    """The first work contact of the kind, else the first of the kind."""
    found = [point for point in telecom if point.system == system and point.value]
    for point in found:
        if point.use == "work":
            return str(point.value)
    return str(found[0].value) if found else ""


# Register columns and where they come from in the Bundle, to put a register rule's message
# in FHIR's terms: the source (a key of `Episode.sources`) and its element for each column.
_ELEMENTS: dict[str, tuple[str, str]] = {
    "local_ref": ("patient", "identifier"),
    "nhs_number": ("patient", "identifier"),
    "given_names": ("patient", "name"),
    "family_name": ("patient", "name"),
    "other_names": ("patient", "name"),
    "date_of_birth": ("patient", "birthDate"),
    "sex": ("patient", "gender"),
    "postcode": ("patient", "address.postalCode"),
    "involvement": ("episode", "type"),
    "start_date": ("episode", "period.start"),
    "end_date": ("episode", "period.end"),
    "care_leaver": ("episode", "extension"),
    "practitioner_name": ("person", "name"),
    "practitioner_role": ("practitioner", "code"),
    "practitioner_phone": ("practitioner", "telecom"),
    "practitioner_email": ("practitioner", "telecom"),
}
# Rules whose words would read oddly with FHIR's names: said again in FHIR's terms.
_SAID = {
    "practitioner_phone or practitioner_email": (
        "the care manager needs a phone or e-mail (telecom on the PractitionerRole or the"
        " Practitioner)"
    ),
    "given_names or family_name": "a name (given or family) is required",
    "local_ref": f"your own reference for the child (system {LOCAL_REF})",
}


def explain(episode: Episode, error: DomainError) -> Issue:
    """A register rule's refusal, which names CSV columns, as an issue on the FHIR element."""
    message = str(error)
    columns, _, reason = message.partition(":")
    column = columns.split(" or ")[0].strip()
    if column not in _ELEMENTS:
        here = episode.sources["episode"]
        return Issue(f"EpisodeOfCare: {message}", episode.index, here.path, "value")
    source_name, element = _ELEMENTS[column]
    # A care manager given as a Practitioner (not a role) holds the name itself.
    source = episode.sources.get(source_name) or episode.sources["practitioner"]
    said = _SAID.get(columns.strip(), reason.strip())
    if column == "practitioner_name" and source.resource == "PractitionerRole":
        element, said = "practitioner", "a Practitioner with a name is required"
    if column == "local_ref" and reason.strip() == "required":
        said = f"{_SAID['local_ref']} is required"
    elif column == "local_ref":
        said = f"{_SAID['local_ref']}: {reason.strip()}"
    for_episode = (
        f" (for the EpisodeOfCare at entry {episode.index})"
        if source.index != episode.index
        else ""
    )
    return Issue(
        f"{source.resource}.{element}: {said}{for_episode}",
        source.index,
        f"{source.path}.{element}",
        "value",
    )
