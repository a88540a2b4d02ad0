"""Reading FHIR R4 Bundles and $match Parameters at the gateway (no database): a Bundle's
EpisodeOfCare becomes exactly a register CSV row, and every problem names its entry."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_register_row
from fhir_bundles import NHS, involvement_bundle, involvement_entries, match_parameters
from fingerpost.domain.errors import DomainError
from fingerpost.gateway import parse_register_row
from fingerpost.gateway.fhir import (
    FhirRefused,
    explain,
    operation_outcome,
    read_bundle,
    read_json,
    read_match,
)

EPISODE, PATIENT, ROLE = 4, 3, 2  # entry indices in `involvement_entries`


def read(document: Any, agency: str = "CSC-LDS", max_entries: int = 100) -> Any:
    return read_bundle(document, agency=agency, max_entries=max_entries)


def test_an_episode_of_care_becomes_the_register_row_a_csv_would_have() -> None:
    document = involvement_bundle(
        patient_fields={"local_ref": "LDS-1", "nhs_number": NHS, "other_names": (("Liv", "Ng"),)},
        episode_fields={"end": "2025-01-31", "care_leaver": True},
    )
    intake = read(document)
    assert intake.issues == []
    [episode] = intake.episodes
    assert episode.index == EPISODE
    assert episode.row == make_register_row(
        local_ref="LDS-1",
        nhs_number=NHS,
        other_names="Liv Ng",
        end_date="2025-01-31",
        care_leaver="yes",
        practitioner_email="",
    )


def test_contained_resources_and_type_id_references_are_resolved_too() -> None:
    document = involvement_bundle(kind="batch")
    entries = document["entry"]
    episode = entries[EPISODE]["resource"]
    # The patient contained in the episode; the organisation referred to as Organization/id.
    episode["contained"] = [entries[PATIENT]["resource"] | {"id": "child"}]
    episode["patient"] = {"reference": "#child"}
    entries[0]["resource"]["id"] = "lds"
    del entries[0]["fullUrl"]
    episode["managingOrganization"] = {"reference": "Organization/lds"}
    del entries[PATIENT]
    intake = read(document)
    assert intake.issues == []
    assert intake.episodes[0].row["family_name"] == "Harrison"


@pytest.mark.parametrize("partial", ["2015", "2015-06"])
def test_a_birth_date_known_only_to_the_year_or_month_is_set_aside_and_the_child_kept(
    partial: str,
) -> None:
    # An estimated age (a child who arrived alone, without papers) must not hide the child.
    document = involvement_bundle()
    document["entry"][PATIENT]["resource"]["birthDate"] = partial
    [episode] = read(document).episodes
    row = parse_register_row(episode.row, date.today())
    del document["entry"][PATIENT]["resource"]["birthDate"]
    [undated] = read(document).episodes
    blank = parse_register_row(undated.row, date.today())
    assert row.child == blank.child  # as if the date were blank, retention included
    assert row.ages_out == blank.ages_out
    assert row.warnings == (
        "date_of_birth: only a year or a month of birth, not a date; the row is kept without it"
        " (as if it were blank)",
    )


def test_a_period_start_that_is_not_a_date_is_told_in_fhirs_form() -> None:
    document = involvement_bundle()
    document["entry"][EPISODE]["resource"]["period"]["start"] = "2024"
    [episode] = read(document).episodes
    with pytest.raises(DomainError) as refused:
        parse_register_row(episode.row, date.today())
    issue = explain(episode, refused.value)
    assert issue.expression == f"Bundle.entry[{EPISODE}].resource.period.start"
    assert "DD/MM/YYYY" not in issue.diagnostics


def edit(path: tuple[Any, ...], value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path
        target: Any = document
        for key in parents:
            target = target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return change


_DELETE = object()
_PATIENT = ("entry", PATIENT, "resource")
_EPISODE = ("entry", EPISODE, "resource")

# (what is wrong, the change, the entry the issue names, words of its reason)
MAPPING_PROBLEMS = [
    (
        "an NHS number under the wrong system",
        edit((*_PATIENT, "identifier", 1), {"system": "http://nhs.uk/nhs", "value": NHS}),
        PATIENT,
        "Patient.identifier: a system fingerpost does not read",
    ),
    (
        "a date that does not exist",
        edit((*_PATIENT, "birthDate"), "2015-02-30"),
        PATIENT,
        "Patient.birthDate: Input should be a valid date",
    ),
    (
        "an involvement coded from another system",
        edit(
            (*_EPISODE, "type"), [{"coding": [{"system": "http://snomed.info/sct", "code": "1"}]}]
        ),
        EPISODE,
        "EpisodeOfCare.type: exactly one coding from",
    ),
    (
        "no request on an entry",
        edit(("entry", ROLE, "request"), _DELETE),
        ROLE,
        "request.method must be POST or PUT",
    ),
    (
        "a resource fingerpost does not read",
        edit(("entry", 1, "resource"), {"resourceType": "Observation", "status": "final"}),
        1,
        "resourceType must be one of",
    ),
    (
        "a reference to nothing in the Bundle",
        edit((*_EPISODE, "patient"), {"reference": "urn:uuid:nowhere"}),
        EPISODE,
        "EpisodeOfCare.patient: no Patient in the Bundle has the fullUrl or Type/id",
    ),
    (
        "another agency's involvement",
        edit(("entry", 0, "resource", "identifier", 0, "value"), "GMP"),
        0,
        "agency GMP is not the agency registering (CSC-LDS)",
    ),
    (
        "a contained resource of no known type",
        edit((*_EPISODE, "contained"), [{"resourceType": "Nope"}]),
        EPISODE,
        "a resource within it is not a FHIR resource",
    ),
    (
        "an involvement withdrawn in error",
        edit((*_EPISODE, "status"), "entered-in-error"),
        EPISODE,
        "withdraw an involvement registered in error",
    ),
]


@pytest.mark.parametrize(
    ("change", "index", "expected"),
    [
        pytest.param(
            edit((*_PATIENT, "identifier"), []),
            PATIENT,
            "Patient.identifier: your own reference for the child (system ",
            id="no local reference",
        ),
        pytest.param(
            edit(("entry", ROLE, "resource", "practitioner"), _DELETE),
            ROLE,
            "PractitionerRole.practitioner: a Practitioner with a name is required",
            id="a role with nobody in it",
        ),
    ],
)
def test_a_register_rule_is_said_in_fhir_terms(change: Any, index: int, expected: str) -> None:
    document = involvement_bundle()
    change(document)
    [episode] = read(document).episodes
    with pytest.raises(DomainError) as refused:
        parse_register_row(episode.row, date.today())
    issue = explain(episode, refused.value)
    assert issue.index == index
    assert issue.reason.startswith(expected)


@pytest.mark.parametrize(
    ("change", "index", "reason"),
    [
        pytest.param(change, index, reason, id=what)
        for what, change, index, reason in MAPPING_PROBLEMS
    ],
)
def test_a_problem_names_its_entry_and_the_involvement_is_not_read(
    change: Any, index: int, reason: str
) -> None:
    document = involvement_bundle(patient_fields={"nhs_number": NHS})
    change(document)
    intake = read(document)
    assert intake.episodes == []
    first, *then = intake.issues
    assert first.index == index
    assert reason in first.reason
    # The involvement fails with the entry it refers to.
    assert {issue.index for issue in then} <= {EPISODE}
    assert EPISODE in intake.failed_entries | set(intake.failed_episodes)
    # The outcome is a valid OperationOutcome that shows none of the child's details.
    outcome = operation_outcome(intake.issues)
    OperationOutcome.model_validate(outcome)
    text = json.dumps(outcome)
    assert "Harrison" not in text
    assert NHS not in text
    assert "2015-02-30" not in text
    assert 'nhs.uk/nhs"' not in text  # nor what was sent in place of a value
    assert "nowhere" not in text


@pytest.mark.parametrize(
    ("document", "status", "reason"),
    [
        pytest.param({"resourceType": "Patient"}, 400, "not a FHIR Bundle", id="not a Bundle"),
        pytest.param([1, 2], 400, "not a FHIR Bundle", id="not an object"),
        pytest.param(
            {"resourceType": "Bundle", "type": "collection", "entry": []},
            400,
            "Bundle.type must be transaction or batch",
            id="a collection",
        ),
        pytest.param(
            {"resourceType": "Bundle", "type": ["transaction"]},
            400,
            "Bundle.type must be transaction or batch",
            id="a type that is not a string",
        ),
        pytest.param(
            {"resourceType": "Bundle", "type": "searchset"},
            400,
            "Bundle.type must be transaction or batch",
            id="a searchset",
        ),
    ],
)
def test_a_document_that_is_not_an_intake_bundle_is_refused_whole(
    document: Any, status: int, reason: str
) -> None:
    with pytest.raises(FhirRefused) as refused:
        read(document)
    assert refused.value.status == status
    assert reason in refused.value.issue.reason


def test_a_bundle_with_too_many_entries_is_refused_before_any_entry_is_read() -> None:
    entries = [entry for _ in range(3) for entry in involvement_entries()]
    document = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {
                    "fullUrl": url,
                    "resource": r.model_dump(mode="json"),
                    "request": {"method": "POST", "url": "x"},
                }
                for url, r in entries
            ],
        }
    ).model_dump(mode="json", exclude_none=True)
    with pytest.raises(FhirRefused) as refused:
        read(document, max_entries=14)
    assert refused.value.status == 413
    assert "15 entries; at most 14" in refused.value.issue.reason
    assert len(read(document, max_entries=15).episodes) == 3


def test_a_body_that_is_not_json_or_too_large_is_refused() -> None:
    with pytest.raises(FhirRefused, match="not JSON"):
        read_json(b"<Bundle/>", max_bytes=100)
    with pytest.raises(FhirRefused, match="not JSON"):
        read_json(b"[" * 100_000, max_bytes=1_000_000)
    with pytest.raises(FhirRefused) as refused:
        read_json(b"{}" * 600_000, max_bytes=1024 * 1024)
    assert refused.value.status == 413


def test_match_parameters_give_the_enquiry_columns_and_purpose() -> None:
    wanted = read_match(match_parameters("emergency-care", nhs_number=NHS))
    assert wanted.purpose == "emergency-care"
    assert wanted.child == {
        "nhs_number": NHS,
        "given_names": "Olivia",
        "family_name": "Harrison",
        "other_names": "",
        "date_of_birth": "2015-06-07",
        "sex": "female",
        "postcode": "LS6 3HN",
    }
    assert not wanted.urgent


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(lambda p: p["parameter"].pop(1), "parameter `purpose`", id="no purpose"),
        pytest.param(lambda p: p["parameter"].pop(0), "parameter `resource`", id="no child"),
        pytest.param(
            lambda p: p["parameter"].append({"name": "onlyCertainMatches", "valueBoolean": True}),
            "never grades a signpost `certain`",
            id="only certain",
        ),
        pytest.param(
            lambda p: p["parameter"].append({"name": "browse", "valueString": "x"}),
            "a parameter fingerpost does not read",
            id="unknown parameter",
        ),
        pytest.param(
            lambda p: p["parameter"][0]["resource"].update(
                identifier=[{"system": "urn:oid:1.2", "value": "1"}]
            ),
            "a system fingerpost does not read",
            id="wrong identifier system",
        ),
        pytest.param(lambda p: p.update(resourceType="Bundle"), "not FHIR Parameters", id="bundle"),
    ],
)
def test_a_match_request_an_enquiry_cannot_use_is_refused(change: Any, reason: str) -> None:
    parameters = match_parameters()
    change(parameters)
    with pytest.raises(FhirRefused) as refused:
        read_match(parameters)
    assert reason in refused.value.issue.reason


def test_the_examples_in_the_fhir_docs_are_valid_and_read_as_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "fhir.md").read_text(encoding="utf-8")
    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", text, re.S)]
    assert [e["resourceType"] for e in examples] == [
        "Bundle",
        "Bundle",
        "OperationOutcome",
        "Parameters",
        "Bundle",
    ]
    for example in examples:
        get_fhir_model_class(example["resourceType"]).model_validate(example)
    intake = read(examples[0])
    assert intake.issues == []
    assert parse_register_row(intake.episodes[0].row, date.today()).local_ref == "LDS-000123"
    assert read_match(examples[3]).purpose == "emergency-care"
    assert "score" not in json.dumps(examples[4])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


_BUNDLE = involvement_bundle(patient_fields={"nhs_number": NHS})
_PARAMETERS = match_parameters(nhs_number=NHS)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), replacement=_JSON)
def test_whatever_is_sent_the_answer_is_issues_never_a_crash(
    data: st.DataObject, replacement: Any
) -> None:
    """Any element of a valid Bundle or $match request replaced by any JSON value gives issues or
    a refusal — never another exception (which the API would answer with a 500)."""
    for valid, reader in (
        (_BUNDLE, read),
        (_PARAMETERS, read_match),
    ):
        document = json.loads(json.dumps(valid))
        path = data.draw(st.sampled_from(_paths(document)))
        if path:
            edit(path, replacement)(document)
        else:
            document = replacement
        with contextlib.suppress(FhirRefused):
            reader(document)
