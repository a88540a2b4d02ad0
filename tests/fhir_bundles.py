"""Real FHIR R4 Bundles for the tests, built with `fhir.resources` (R4B models).

`involvement_bundle()` is a valid transaction Bundle of one involvement of CSC-LDS with the child
of `make_register_row` (Olivia Harrison); every part can be changed. Invalid Bundles are made by
editing the JSON of a valid one, since the models refuse to build them.
"""

from __future__ import annotations

import itertools
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.resource import Resource

from fingerpost.gateway.fhir.systems import (
    AGENCY_CODE,
    CARE_LEAVER,
    INVOLVEMENT,
    LOCAL_REF,
    NHS_NUMBER,
)

_ids = itertools.count(1)
NHS = "9434765919"  # passes the mod-11 check


def patient(
    *,
    local_ref: str | None = None,
    nhs_number: str | None = None,
    given: str = "Olivia",
    family: str = "Harrison",
    birth_date: str = "2015-06-07",
    gender: str = "female",
    postcode: str = "LS6 3HN",
    other_names: tuple[tuple[str, str], ...] = (),
) -> Patient:
    identifiers = [{"system": LOCAL_REF, "value": local_ref or f"LDS-{next(_ids):05d}"}]
    if nhs_number:
        identifiers.append({"system": NHS_NUMBER, "value": nhs_number})
    names: list[dict[str, Any]] = [{"use": "official", "given": [given], "family": family}]
    names += [{"use": "old", "given": [g], "family": f} for g, f in other_names]
    return Patient.model_validate(
        {
            "resourceType": "Patient",
            "identifier": identifiers,
            "name": names,
            "birthDate": birth_date,
            "gender": gender,
            "address": [{"use": "home", "postalCode": postcode}],
        }
    )


def organization(code: str = "CSC-LDS") -> Organization:
    return Organization.model_validate(
        {
            "resourceType": "Organization",
            "identifier": [{"system": AGENCY_CODE, "value": code}],
            "name": f"{code} children's services",
        }
    )


def practitioner(name: str = "Priya Shah", *, email: str = "") -> Practitioner:
    given, family = name.split(" ", 1)
    body: dict[str, Any] = {
        "resourceType": "Practitioner",
        "name": [{"given": [given], "family": family}],
    }
    if email:
        body["telecom"] = [{"system": "email", "value": email, "use": "work"}]
    return Practitioner.model_validate(body)


def practitioner_role(
    person_ref: str, *, phone: str = "0113 496 0000", role: str = "Social worker"
) -> PractitionerRole:
    body: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "practitioner": {"reference": person_ref},
        "code": [{"text": role}],
    }
    if phone:
        body["telecom"] = [{"system": "phone", "value": phone, "use": "work"}]
    return PractitionerRole.model_validate(body)


def episode(
    patient_ref: str,
    organization_ref: str,
    manager_ref: str,
    *,
    code: str = "child-in-need",
    system: str = INVOLVEMENT,
    start: str = "2024-02-01",
    end: str | None = None,
    status: str = "active",
    care_leaver: bool = False,
) -> EpisodeOfCare:
    body: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "status": status,
        "type": [{"coding": [{"system": system, "code": code}]}],
        "patient": {"reference": patient_ref},
        "managingOrganization": {"reference": organization_ref},
        "careManager": {"reference": manager_ref},
        "period": {"start": start, **({"end": end} if end else {})},
    }
    if care_leaver:
        body["extension"] = [{"url": CARE_LEAVER, "valueBoolean": True}]
    return EpisodeOfCare.model_validate(body)


def bundle(kind: str, resources: list[tuple[str, Resource]]) -> Bundle:
    """A Bundle of (fullUrl, resource), each entry POSTed."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": kind,
            "entry": [
                {
                    "fullUrl": url,
                    "resource": resource.model_dump(mode="json", exclude_none=True),
                    "request": {"method": "POST", "url": resource.get_resource_type()},
                }
                for url, resource in resources
            ],
        }
    )


def involvement_entries(
    *,
    agency: str = "CSC-LDS",
    patient_fields: dict[str, Any] | None = None,
    episode_fields: dict[str, Any] | None = None,
    phone: str = "0113 496 0000",
) -> list[tuple[str, Resource]]:
    """One involvement's entries, in this order: Organization, Practitioner, PractitionerRole,
    Patient, EpisodeOfCare (so the EpisodeOfCare of the first involvement is entry 4)."""
    n = next(_ids)
    urls = [f"urn:uuid:00000000-0000-4000-8000-{n:06d}{i:06d}" for i in range(5)]
    return [
        (urls[0], organization(agency)),
        (urls[1], practitioner()),
        (urls[2], practitioner_role(urls[1], phone=phone)),
        (urls[3], patient(**(patient_fields or {}))),
        (urls[4], episode(urls[3], urls[0], urls[2], **(episode_fields or {}))),
    ]


def involvement_bundle(kind: str = "transaction", **fields: Any) -> dict[str, Any]:
    """A valid Bundle of one involvement, as JSON (see `involvement_entries`)."""
    built = bundle(kind, involvement_entries(**fields))
    body: dict[str, Any] = built.model_dump(mode="json", exclude_none=True)
    return body


def match_parameters(
    purpose: str | None = "child-protection-enquiry", **fields: Any
) -> dict[str, Any]:
    """Patient/$match Parameters for the child of `patient()`, with a purpose."""
    child = patient(**fields).model_dump(mode="json", exclude_none=True)
    child.pop("identifier")  # an enquirer has no local reference for another agency's child
    if fields.get("nhs_number"):
        child["identifier"] = [{"system": NHS_NUMBER, "value": fields["nhs_number"]}]
    parameters: list[dict[str, Any]] = [{"name": "resource", "resource": child}]
    if purpose is not None:
        parameters.append({"name": "purpose", "valueString": purpose})
    body: dict[str, Any] = Parameters.model_validate(
        {"resourceType": "Parameters", "parameter": parameters}
    ).model_dump(mode="json", exclude_none=True)
    return body
