"""A FHIR resource's elements as the columns of a register (or enquiry) CSV row.

Shared by intake and `$match`, so that a child reads the same whichever door it came in by, and
by `explain`, which says a register rule's refusal (naming CSV columns) in FHIR's terms.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from fhir.resources.R4B.address import Address
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from fingerpost.domain.errors import DomainError
from fingerpost.gateway.fhir.outcome import Issue
from fingerpost.gateway.fhir.systems import CARE_LEAVER, INVOLVEMENT, LOCAL_REF, NHS_NUMBER

__all__ = [
    "Episode",
    "Refusal",
    "Source",
    "episode_columns",
    "explain",
    "patient_columns",
    "practitioner_columns",
]


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


class Refusal(Exception):
    """One resource cannot be used; `issue` says where and why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.reason)
        self.issue = issue


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


def episode_columns(episode: EpisodeOfCare, at: Source) -> dict[str, str]:
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


def practitioner_columns(
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
# The CSV's date rule names the CSV's two forms; FHIR has one, and a partial date is valid FHIR.
_NOT_A_DATE = "not a date (use YYYY-MM-DD or DD/MM/YYYY)"
_NOT_A_FULL_DATE = (
    "not a date fingerpost reads: a full date (YYYY-MM-DD) is required, not a year or a month"
)


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
    if said == _NOT_A_DATE:
        said = _NOT_A_FULL_DATE
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


def warned(episode: Episode, warning: str) -> Issue:
    """A value a register rule set aside (an invalid NHS number, a date of birth known only to
    the year) as a warning on its FHIR element; the involvement is stored without it."""
    column = warning.partition(":")[0].strip()
    source_name, element = _ELEMENTS.get(column, ("patient", "identifier"))
    source = episode.sources[source_name]
    return Issue(
        f"{source.resource}.{element}: {warning}",
        source.index,
        f"{source.path}.{element}",
        "value",
        severity="warning",
    )
