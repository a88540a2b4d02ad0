"""FHIR R4 over HTTP (docs/fhir.md): Bundles in through the same rules as the register CSV,
Patient/$match out with a match grade and never a score, OperationOutcome for every problem, and
nothing half-written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from conftest import PURPOSE, make_agency, make_register_row
from fhir_bundles import (
    NHS,
    bundle,
    involvement_bundle,
    involvement_entries,
    match_parameters,
)
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Confidence, InvolvementKind, Role
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.fhir_signposts import searchset
from fingerpost.gateway.fhir import published
from fingerpost.gateway.fhir.systems import CURRENT_CONTACT, MATCH_GRADE, SIGNPOST_WHY
from fingerpost.service.records import SignpostView

FHIR = "/fhir/R4"
FHIR_JSON = "application/fhir+json"
EPISODE, PATIENT, ROLE = 4, 3, 2  # entry indices of `involvement_entries`


@pytest.fixture
def client(fp: Fingerpost) -> Iterator[TestClient]:
    fp.hub.import_agencies(
        Actor.system("OPS"), [make_agency("CSC-LDS"), make_agency("GMP", kind="police")]
    )
    with TestClient(create_app(fp)) as client:
        yield client


def bearer(fp: Fingerpost, agency: str, role: Role = Role.AGENCY_ADMIN) -> dict[str, str]:
    email = f"{role.value}@{agency.lower()}.example.org"
    actor = Actor(email, "Someone", agency, role, email, "0300 000 0000", strong_auth=True)
    return {"Authorization": f"Bearer {fp.tokens.issue(actor)}"}


def post(client: TestClient, fp: Fingerpost, document: Any, agency: str = "CSC-LDS") -> Any:
    return client.post(
        FHIR,
        content=json.dumps(document),
        headers=bearer(fp, agency) | {"Content-Type": FHIR_JSON},
    )


def stored(fp: Fingerpost, agency: str = "CSC-LDS") -> list[Any]:
    return fp.hub.list_involvements(Actor.system(agency), limit=1000)


def outcome_of(response: Any) -> list[dict[str, Any]]:
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    OperationOutcome.model_validate(body)
    issues: list[dict[str, Any]] = body["issue"]
    return issues


class TestIntake:
    def test_a_transaction_registers_its_involvement_as_the_csv_row_would(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        document = involvement_bundle(
            patient_fields={"local_ref": "LDS-7", "nhs_number": NHS},
            episode_fields={"code": "looked-after", "care_leaver": True},
        )
        response = post(client, fp, document)
        assert response.status_code == 200, response.text
        answer = Bundle.model_validate(response.json())
        assert answer.type == "transaction-response"
        assert len(answer.entry) == 5
        location = answer.entry[EPISODE].response.location
        [involvement] = stored(fp)
        assert location == f"EpisodeOfCare/{involvement.id}"
        assert involvement.key.local_ref == "LDS-7"
        assert involvement.terms.kind is InvolvementKind.LOOKED_AFTER
        assert involvement.terms.practitioner.name == "Priya Shah"
        assert involvement.terms.practitioner.phone == "0113 496 0000"
        assert involvement.ages_out is not None  # a care leaver: kept to 25, worked out here

    def test_a_mistyped_nhs_number_is_set_aside_with_a_warning_and_the_child_kept(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        mistyped = NHS[:-1] + str((int(NHS[-1]) + 1) % 10)
        document = involvement_bundle(patient_fields={"nhs_number": mistyped})
        response = post(client, fp, document)
        assert response.status_code == 200, response.text
        entry = response.json()["entry"][EPISODE]["response"]
        [warning] = entry["outcome"]["issue"]
        assert warning["severity"] == "warning"
        assert "the row is kept without it" in warning["diagnostics"]
        assert mistyped not in response.text  # never echoed
        [involvement] = stored(fp)
        assert entry["location"] == f"EpisodeOfCare/{involvement.id}"

    def test_a_birth_date_of_a_year_alone_is_set_aside_with_a_warning_on_the_birth_date(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        document = involvement_bundle()
        document["entry"][PATIENT]["resource"]["birthDate"] = "2015"
        response = post(client, fp, document)
        assert response.status_code == 200, response.text
        entry = response.json()["entry"][EPISODE]["response"]
        [warning] = entry["outcome"]["issue"]
        assert warning["severity"] == "warning"
        assert warning["expression"] == [f"Bundle.entry[{PATIENT}].resource.birthDate"]
        assert "Patient.birthDate: date_of_birth: only a year or a month" in warning["diagnostics"]
        [involvement] = stored(fp)
        assert entry["location"] == f"EpisodeOfCare/{involvement.id}"

    def test_the_same_involvement_by_json_then_fhir_is_one_involvement_unchanged(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        """The FHIR door and the JSON (CSV-shaped) door lead to the same register rules."""
        row = make_register_row(local_ref="LDS-8", practitioner_email="")
        first = client.post("/api/v1/involvements", json=row, headers=bearer(fp, "CSC-LDS"))
        assert first.status_code == 201
        again = post(client, fp, involvement_bundle(patient_fields={"local_ref": "LDS-8"}))
        assert again.status_code == 200
        location = again.json()["entry"][EPISODE]["response"]["location"]
        assert location == f"EpisodeOfCare/{first.json()['id']}"
        [involvement] = stored(fp)
        assert involvement.updated_at == involvement.created_at  # unchanged: nothing rewritten

    def test_a_batch_stores_the_good_involvements_and_refuses_each_bad_one(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        good = involvement_entries(patient_fields={"local_ref": "GOOD"})
        bad = involvement_entries(
            patient_fields={"local_ref": "BAD"}, episode_fields={"code": "truancy"}
        )
        document = bundle("batch", good + bad).model_dump(mode="json", exclude_none=True)
        response = post(client, fp, document)
        assert response.status_code == 200
        answer = response.json()
        assert answer["type"] == "batch-response"
        statuses = [entry["response"]["status"] for entry in answer["entry"]]
        assert statuses == ["200 OK"] * 9 + ["422 Unprocessable Entity"]
        [issue] = answer["entry"][9]["response"]["outcome"]["issue"]
        assert issue["diagnostics"].startswith("entry 9: EpisodeOfCare.type: not one of")
        assert issue["expression"] == ["Bundle.entry[9].resource.type"]
        assert [i.key.local_ref for i in stored(fp)] == ["GOOD"]


def _wrong_nhs_system(document: dict[str, Any]) -> None:
    document["entry"][PATIENT]["resource"]["identifier"].append(
        {"system": "https://fhir.nhs.uk/Id/nhs-number-typo", "value": NHS}
    )


def _bad_date(document: dict[str, Any]) -> None:
    document["entry"][PATIENT]["resource"]["birthDate"] = "2015-13-01"


def _no_telecom(document: dict[str, Any]) -> None:
    del document["entry"][ROLE]["resource"]["telecom"]


def _unknown_code(document: dict[str, Any]) -> None:
    document["entry"][EPISODE]["resource"]["type"][0]["coding"][0]["code"] = "gang-member"


def _too_old(document: dict[str, Any]) -> None:
    document["entry"][PATIENT]["resource"]["birthDate"] = "1990-01-01"


# (what is wrong, the change, the entry named first, the element, words of the reason)
INVALID = [
    ("wrong NHS number system", _wrong_nhs_system, PATIENT, "identifier[1].system", "system"),
    ("bad date", _bad_date, PATIENT, "birthDate", "Patient.birthDate"),
    ("no practitioner telecom", _no_telecom, ROLE, "telecom", "needs a phone or e-mail"),
    ("unknown involvement code", _unknown_code, EPISODE, "type", "EpisodeOfCare.type: not one"),
    ("out of scope", _too_old, PATIENT, "birthDate", "aged 26 or more"),
]


@pytest.mark.parametrize(
    ("change", "index", "element", "reason"),
    [pytest.param(c, i, e, r, id=what) for what, c, i, e, r in INVALID],
)
def test_an_invalid_transaction_writes_nothing_and_names_the_entry(
    client: TestClient, fp: Fingerpost, change: Any, index: int, element: str, reason: str
) -> None:
    # Two involvements; only the second is wrong: a transaction is all or nothing.
    document = bundle("transaction", involvement_entries() + involvement_entries()).model_dump(
        mode="json", exclude_none=True
    )
    second = {"entry": document["entry"][5:]}
    change(second)
    response = post(client, fp, document)
    assert response.status_code == 422
    first, *_ = outcome_of(response)
    assert first["severity"] == "error"
    assert first["expression"] == [f"Bundle.entry[{index + 5}].resource.{element}"]
    assert first["diagnostics"].startswith(f"entry {index + 5}: ")
    assert reason in first["diagnostics"]
    assert stored(fp) == []
    assert "Harrison" not in response.text
    assert NHS not in response.text


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        pytest.param(json.dumps(match_parameters()), 400, "not a FHIR Bundle", id="not a Bundle"),
        pytest.param(
            json.dumps({"resourceType": "Bundle", "type": "document", "entry": []}),
            400,
            "Bundle.type must be transaction or batch",
            id="a document Bundle",
        ),
        pytest.param("{not json", 400, "not JSON", id="not JSON"),
    ],
)
def test_a_request_that_is_not_an_intake_bundle_is_one_outcome(
    client: TestClient, fp: Fingerpost, body: str, status: int, reason: str
) -> None:
    response = client.post(
        FHIR, content=body, headers=bearer(fp, "CSC-LDS") | {"Content-Type": FHIR_JSON}
    )
    assert response.status_code == status
    [issue] = outcome_of(response)
    assert reason in issue["diagnostics"]


def test_a_huge_bundle_is_refused_whole(fp: Fingerpost) -> None:
    fp.settings.fhir_max_entries = 10
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS")])
    with TestClient(create_app(fp)) as client:
        document = bundle(
            "batch", involvement_entries() + involvement_entries() + involvement_entries()
        ).model_dump(mode="json", exclude_none=True)
        response = post(client, fp, document)
        assert response.status_code == 413
        [issue] = outcome_of(response)
        assert issue["code"] == "too-costly"
        assert "15 entries; at most 10" in issue["diagnostics"]
        fp.settings.fhir_max_mib = 1
        response = client.post(
            FHIR,
            content=b" " * (1024 * 1024 + 1),
            headers=bearer(fp, "CSC-LDS") | {"Content-Type": FHIR_JSON},
        )
        assert response.status_code == 413
    assert stored(fp) == []


def test_a_bundle_larger_than_the_apis_body_limit_is_read_up_to_fhirs_own(
    fp: Fingerpost,
) -> None:
    fp.settings.request_max_kib = 16
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS")])
    with TestClient(create_app(fp)) as client:
        document = bundle("batch", involvement_entries() * 20).model_dump(
            mode="json", exclude_none=True
        )
        assert len(json.dumps(document)) > 16 * 1024
        response = post(client, fp, document)
        assert response.status_code == 200
    assert len(stored(fp)) == 1


def test_a_body_without_a_token_is_refused_before_it_is_read(client: TestClient) -> None:
    body = b'{"resourceType": "Bundle", "type": "batch", "entry": [' + b"{}," * 200_000 + b"{}]}"
    response = client.post(FHIR, content=body, headers={"Content-Type": FHIR_JSON})
    assert response.status_code == 401
    [issue] = outcome_of(response)
    assert issue["code"] == "login"


def test_another_agencys_organisation_is_refused(client: TestClient, fp: Fingerpost) -> None:
    response = post(client, fp, involvement_bundle(agency="CSC-LDS"), agency="GMP")
    assert response.status_code == 422
    [issue, *_] = outcome_of(response)
    assert issue["code"] == "forbidden"
    assert stored(fp, "GMP") == stored(fp, "CSC-LDS") == []


def test_a_role_that_may_not_register_is_refused(client: TestClient, fp: Fingerpost) -> None:
    response = client.post(
        FHIR, json=involvement_bundle(), headers=bearer(fp, "CSC-LDS", Role.AUDITOR)
    )
    assert response.status_code == 403
    [issue] = outcome_of(response)
    assert issue["code"] == "forbidden"
    assert stored(fp) == []


def test_without_a_token_the_answer_is_an_operation_outcome(client: TestClient) -> None:
    response = client.post(FHIR, json=involvement_bundle())
    assert response.status_code == 401
    [issue] = outcome_of(response)
    assert issue["code"] == "login"


class TestMatch:
    def test_a_match_returns_signposts_graded_never_scored_and_is_audited(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        registered = post(client, fp, involvement_bundle(patient_fields={"nhs_number": NHS}))
        assert registered.status_code == 200
        response = client.post(
            f"{FHIR}/Patient/$match",
            json=match_parameters(PURPOSE, nhs_number=NHS),
            headers=bearer(fp, "GMP", Role.PRACTITIONER),
        )
        assert response.status_code == 200, response.text
        answer = Bundle.model_validate(response.json())
        assert answer.type == "searchset"
        assert answer.total == 1
        signpost, outcome = answer.entry
        assert signpost.search.mode == "match"
        assert signpost.search.score is None
        [grade] = signpost.search.extension
        assert (grade.url, grade.valueCode) == (MATCH_GRADE, "probable")
        episode = signpost.resource
        assert episode.get_resource_type() == "EpisodeOfCare"
        assert episode.type[0].coding[0].code == "child-in-need"
        why = next(e.valueString for e in episode.extension if e.url == SIGNPOST_WHY)
        assert "NHS number" in why
        role = next(r for r in episode.contained if r.get_resource_type() == "PractitionerRole")
        assert role.telecom[0].value == "0113 496 0000"
        assert outcome.search.mode == "outcome"
        # Never a score, and never the child's details back.
        assert "score" not in response.text
        assert "Harrison" not in response.text
        assert NHS not in response.text
        events = fp.hub.audit_events(Actor("a", "A", "OPS", Role.AUDITOR), limit=10)
        made = [e for e in events if e.action.value == "enquiry:made"]
        assert [(e.agency, e.purpose, e.result_count) for e in made] == [("GMP", PURPOSE, 1)]
        assert answer.identifier.value  # the enquiry's id, as /api/v1/enquiries gives it
        metrics = client.get("/metrics", headers=bearer(fp, "OPS", Role.OPERATOR)).text
        assert "fingerpost_enquiries_total 1.0" in metrics
        assert 'fingerpost_signposts_total{confidence="strong"} 1.0' in metrics

    def test_without_a_purpose_nothing_is_searched(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        response = client.post(
            f"{FHIR}/Patient/$match",
            json=match_parameters(None),
            headers=bearer(fp, "GMP", Role.PRACTITIONER),
        )
        assert response.status_code == 422
        [issue] = outcome_of(response)
        assert "purpose" in issue["diagnostics"]
        events = fp.hub.audit_events(Actor("a", "A", "OPS", Role.AUDITOR), limit=10)
        assert not [e for e in events if e.action.value.startswith("enquiry:")]

    def test_the_roles_of_the_json_api_apply(self, client: TestClient, fp: Fingerpost) -> None:
        response = client.post(
            f"{FHIR}/Patient/$match",
            json=match_parameters(PURPOSE),
            headers=bearer(fp, "GMP", Role.AUDITOR),
        )
        assert response.status_code == 403
        [issue] = outcome_of(response)
        assert issue["code"] == "forbidden"

    def test_the_limits_of_the_json_api_apply(self, settings: Settings) -> None:
        limited = bootstrap(settings.model_copy(update={"limit_user_per_hour": 1}))
        limited.hub.import_agencies(Actor.system("OPS"), [make_agency("GMP", kind="police")])
        with TestClient(create_app(limited)) as client:
            headers = bearer(limited, "GMP", Role.PRACTITIONER)
            for expected in (200, 429):
                response = client.post(
                    f"{FHIR}/Patient/$match", json=match_parameters(PURPOSE), headers=headers
                )
                assert response.status_code == expected
        limited.close()
        assert outcome_of(response)[0]["code"] == "throttled"
        assert "Retry-After" in response.headers


def test_strong_is_probable_and_possible_is_possible() -> None:
    def view(confidence: Confidence) -> SignpostView:
        from datetime import date

        return SignpostView(
            confidence, "date of birth", "GMP", "Police", "E08000003", "PC Jo", "officer",
            "0161 000 0000", "", "police-concern", date(2025, 1, 1), None, shielded=False,
        )  # fmt: skip

    body = searchset("E-1", [view(Confidence.STRONG), view(Confidence.POSSIBLE)], ["name"])
    grades = [entry["search"]["extension"][0]["valueCode"] for entry in body["entry"][:2]]
    assert grades == ["probable", "possible"]
    assert all("score" not in entry["search"] for entry in body["entry"])


class TestPublished:
    def test_every_published_resource_parses_and_is_served_without_a_token(
        self, client: TestClient
    ) -> None:
        for address, resource in published().items():
            response = client.get(f"{FHIR}/{address}")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith(FHIR_JSON)
            assert response.json() == resource
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)

    def test_the_code_system_is_the_involvement_vocabulary(self, client: TestClient) -> None:
        codes = [c["code"] for c in client.get(f"{FHIR}/CodeSystem/involvement").json()["concept"]]
        assert codes == [kind.value for kind in InvolvementKind]

    def test_the_capability_statement_lists_what_is_served(self, client: TestClient) -> None:
        metadata = client.get(f"{FHIR}/metadata").json()
        assert metadata["resourceType"] == "CapabilityStatement"
        [rest] = metadata["rest"]
        assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch"}
        patient = next(r for r in rest["resource"] if r["type"] == "Patient")
        assert [o["name"] for o in patient["operation"]] == ["match"]
        profiles = {
            url
            for resource in rest["resource"]
            for url in [resource.get("profile"), *resource.get("supportedProfile", [])]
            if url
        }
        published_urls = {r.get("url") for r in published().values()}
        assert profiles <= published_urls


def test_at_night_a_match_leads_with_the_out_of_hours_service() -> None:
    from datetime import date

    night = SignpostView(
        Confidence.STRONG, "date of birth", "MAN-CSC", "Manchester Children's Services",
        "E08000003", "Sam Jones", "social worker", "0161 234 5000", "", "child-in-need",
        date(2025, 1, 1), None, shielded=False, authority_area_name="Manchester",
        current_contact="out-of-hours", current_contact_reason="Outside office hours.",
        out_of_hours_name="Emergency Duty Team, 24 hours", out_of_hours_phone="0161 255 8250",
        office_hours="9am to 5pm, Monday to Friday",
    )  # fmt: skip
    episode = searchset("E-1", [night], ["name"])["entry"][0]["resource"]
    contained = {resource["id"]: resource for resource in episode["contained"]}
    current = next(e for e in episode["extension"] if e["url"] == CURRENT_CONTACT)
    parts = {part["url"]: part for part in current["extension"]}
    assert parts["contact"]["valueReference"]["reference"] == "#out-of-hours"
    assert parts["reason"]["valueString"] == "Outside office hours."
    assert contained["out-of-hours"]["telecom"][0]["value"] == "0161 255 8250"
    assert contained["out-of-hours"]["code"][0]["text"] == "Emergency Duty Team, 24 hours"
    assert contained["contact"]["availabilityExceptions"].endswith("Monday to Friday")
    assert contained["agency"]["address"][0]["district"] == "Manchester"


def test_in_office_hours_a_match_leads_with_the_practitioner() -> None:
    from datetime import date

    day = SignpostView(
        Confidence.STRONG, "date of birth", "GMP", "Police", "E08000003", "PC Jo", "officer",
        "0161 000 0000", "", "police-concern", date(2025, 1, 1), None, shielded=False,
    )  # fmt: skip
    episode = searchset("E-1", [day], ["name"])["entry"][0]["resource"]
    current = next(e for e in episode["extension"] if e["url"] == CURRENT_CONTACT)
    assert current["extension"] == [{"url": "contact", "valueReference": {"reference": "#contact"}}]
    assert [resource["id"] for resource in episode["contained"]] == ["agency", "contact"]


class TestOneInvolvementTwiceInABundle:
    """Two EpisodeOfCare for one involvement (the same child's reference and the same type) do
    not say which is current. FHIR fails a transaction whose entries resolve to one resource;
    fingerpost stored both in turn, answered 200 OK with one location for both, and kept
    whichever came last."""

    def entries(self, kind: str) -> dict[str, Any]:
        first = involvement_entries(patient_fields={"local_ref": "TWICE"})
        second = involvement_entries(
            patient_fields={"local_ref": "TWICE"}, episode_fields={"start": "2025-03-01"}
        )
        return bundle(kind, first + second).model_dump(mode="json", exclude_none=True)

    def test_a_transaction_is_refused_naming_both_entries(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        response = post(client, fp, self.entries("transaction"))
        assert response.status_code == 422
        [issue] = outcome_of(response)
        assert issue["code"] == "duplicate"
        assert issue["diagnostics"].startswith("entry 9: EpisodeOfCare: the same involvement as")
        assert "entry 4" in issue["diagnostics"]
        assert issue["expression"] == ["Bundle.entry[9].resource"]
        assert stored(fp) == []

    def test_a_batch_stores_the_first_and_refuses_the_second(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        response = post(client, fp, self.entries("batch"))
        assert response.status_code == 200
        statuses = [entry["response"]["status"] for entry in response.json()["entry"]]
        assert statuses == ["200 OK"] * 9 + ["422 Unprocessable Entity"]
        [held] = stored(fp)
        assert held.terms.start_date.isoformat() == "2024-02-01"
