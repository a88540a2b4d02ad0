"""The HTTP API as CONTRACT.md describes it: /api/v1, bearer tokens, problem+json, no leaks."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import PURPOSE, make_agency, make_register_row
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app

PROBLEM = "application/problem+json"


@pytest.fixture
def client(fp: Fingerpost) -> Iterator[TestClient]:
    fp.hub.import_agencies(
        Actor.system("OPS"),
        [
            make_agency("CSC-LDS"),
            make_agency("GMP", kind="police"),
            make_agency("NHS", kind="health"),
        ],
    )
    with TestClient(create_app(fp)) as client:
        yield client


def bearer(
    fp: Fingerpost,
    agency: str,
    role: Role = Role.PRACTITIONER,
    email: str = "",
    *,
    strong: bool = True,
) -> dict[str, str]:
    email = email or f"someone@{agency.lower()}.example.org"
    actor = Actor(email, "Someone", agency, role, email, "0300 000 0000", strong_auth=strong)
    return {"Authorization": f"Bearer {fp.tokens.issue(actor)}"}


def child(**fields: str) -> dict[str, str]:
    body = {
        "given_names": "Olivia",
        "family_name": "Harrison",
        "date_of_birth": "2015-06-07",
        "postcode": "LS6 3HN",
    }
    body.update(fields)
    return body


def register(
    client: TestClient, fp: Fingerpost, agency: str = "CSC-LDS", **fields: str
) -> dict[str, object]:
    row = make_register_row(**fields)
    response = client.post(
        "/api/v1/involvements", json=row, headers=bearer(fp, agency, Role.AGENCY_ADMIN)
    )
    assert response.status_code in {200, 201}, response.text
    body: dict[str, object] = response.json()
    return body


class TestRegistering:
    def test_a_new_involvement_is_created_and_the_same_again_is_unchanged(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        row = make_register_row(local_ref="L-1")
        headers = bearer(fp, "CSC-LDS", Role.AGENCY_ADMIN)
        first = client.post("/api/v1/involvements", json=row, headers=headers)
        assert first.status_code == 201
        again = client.post("/api/v1/involvements", json=row, headers=headers)
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        body = first.json()
        assert body["local_ref"] == "L-1"
        assert body["status"] == "active"
        # The child's details are never echoed back.
        for value in (
            row["given_names"],
            row["family_name"],
            row["date_of_birth"],
            row["postcode"],
        ):
            assert value not in first.text

    def test_invalid_rows_are_refused_with_the_reason(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        row = make_register_row(date_of_birth="31/02/2015")
        response = client.post("/api/v1/involvements", json=row, headers=bearer(fp, "CSC-LDS"))
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert "date_of_birth" in response.json()["detail"]
        assert "31/02/2015" not in response.text

    def test_an_invalid_nhs_number_is_set_aside_with_a_warning_not_refused(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        row = make_register_row(nhs_number="9434765918")
        response = client.post("/api/v1/involvements", json=row, headers=bearer(fp, "CSC-LDS"))
        assert response.status_code == 201
        assert response.json()["warnings"] == [
            "nhs_number: not a valid NHS number (fails the mod-11 check); the row is kept"
            " without it"
        ]
        assert "9434765918" not in response.text

    def test_another_agencys_involvement_is_indistinguishable_from_none(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        theirs = str(register(client, fp, "CSC-LDS")["id"])
        mine = bearer(fp, "GMP", Role.AGENCY_ADMIN)
        for method, path, body in (
            ("GET", f"/api/v1/involvements/{theirs}", None),
            ("PATCH", f"/api/v1/involvements/{theirs}", {"practitioner_name": "X"}),
            ("DELETE", f"/api/v1/involvements/{theirs}", {"reason": "probing"}),
            ("POST", f"/api/v1/involvements/{theirs}/end", {}),
        ):
            response = client.request(method, path, json=body, headers=mine)
            unknown = client.request(
                method, path.replace(theirs, "no-such-id"), json=body, headers=mine
            )
            assert response.status_code == unknown.status_code == 404
            assert response.json()["detail"] == unknown.json()["detail"]
        assert client.get("/api/v1/involvements", headers=mine).json() == []

    def test_change_end_and_withdraw(self, client: TestClient, fp: Fingerpost) -> None:
        headers = bearer(fp, "CSC-LDS", Role.AGENCY_ADMIN)
        created = register(client, fp)
        path = f"/api/v1/involvements/{created['id']}"
        changed = client.patch(path, json={"practitioner_name": "Tom Reid"}, headers=headers)
        assert changed.json()["practitioner_name"] == "Tom Reid"
        ended = client.post(f"{path}/end", json={"end_date": "2026-01-31"}, headers=headers)
        assert ended.json()["end_date"] == "2026-01-31"
        assert ended.json()["status"] == "ended"
        # Ending it again without a date keeps the date: it is not kept any longer for that.
        again = client.post(f"{path}/end", headers=headers)
        assert again.json()["end_date"] == "2026-01-31"
        withdrawn = client.request(
            "DELETE", path, json={"reason": "registered in error"}, headers=headers
        )
        assert withdrawn.status_code == 204
        assert client.get(path, headers=headers).status_code == 404


class TestWhoMayChangeAnInvolvement:
    """docs/roles.md: withdrawal is for agency administrators, with a reason; ending and
    editing for administrators and the practitioner the involvement names."""

    def test_a_practitioner_may_not_withdraw_not_even_the_named_one(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        path = f"/api/v1/involvements/{register(client, fp)['id']}"
        named = bearer(fp, "CSC-LDS", email="priya.shah@leeds.example.org")
        body = {"reason": "registered in error"}
        refused = client.request("DELETE", path, json=body, headers=named)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
        assert client.get(path, headers=named).status_code == 200

    def test_withdrawing_needs_a_reason(self, client: TestClient, fp: Fingerpost) -> None:
        path = f"/api/v1/involvements/{register(client, fp)['id']}"
        admin = bearer(fp, "CSC-LDS", Role.AGENCY_ADMIN)
        assert client.delete(path, headers=admin).status_code == 422
        blank = client.request("DELETE", path, json={"reason": " "}, headers=admin)
        assert blank.status_code == 422
        assert client.get(path, headers=admin).status_code == 200

    def test_only_the_named_practitioner_may_change_or_end_it(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        path = f"/api/v1/involvements/{register(client, fp)['id']}"
        colleague = bearer(fp, "CSC-LDS", email="tom.reid@leeds.example.org")
        named = bearer(fp, "CSC-LDS", email="priya.shah@leeds.example.org")
        change = {"practitioner_phone": "0113 496 0999"}
        assert client.patch(path, json=change, headers=colleague).status_code == 403
        assert client.post(f"{path}/end", headers=colleague).status_code == 403
        assert client.patch(path, json=change, headers=named).status_code == 200
        assert client.post(f"{path}/end", headers=named).json()["status"] == "ended"

    def test_the_register_list_is_for_administrators(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        register(client, fp)
        listed = client.get("/api/v1/involvements", headers=bearer(fp, "CSC-LDS"))
        assert listed.status_code == 403
        admin = bearer(fp, "CSC-LDS", Role.AGENCY_ADMIN)
        assert len(client.get("/api/v1/involvements", headers=admin).json()) == 1


class TestEnquiring:
    def test_another_agency_finds_the_child_with_confidence_and_why(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        register(client, fp)
        response = client.post(
            "/api/v1/enquiries", json={"purpose": PURPOSE, **child()}, headers=bearer(fp, "GMP")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["strong"] == 1
        [signpost] = body["signposts"]
        assert signpost["agency"] == "CSC-LDS"
        assert signpost["confidence"] == "strong"
        assert "date of birth" in signpost["why"]
        assert signpost["practitioner_email"] == "priya.shah@leeds.example.org"
        assert body["searched"] == ["name", "date of birth", "postcode"]
        assert not any(key in signpost for key in ("score", "weight", "probability"))

    @pytest.mark.parametrize(
        "fields",
        [
            {"purpose": "checking on Olivia after a call"},
            {"purpose": "concern, born 2015-06-07"},
            {"purpose": "emergency-care", "shield_override_reason": "Harrison family risk"},
        ],
    )
    def test_words_that_name_the_child_are_refused_and_nothing_is_recorded(
        self, client: TestClient, fp: Fingerpost, fields: dict[str, str]
    ) -> None:
        register(client, fp)
        response = client.post(
            "/api/v1/enquiries", json={**child(), **fields}, headers=bearer(fp, "GMP")
        )
        assert response.status_code == 422
        assert "child" in response.json()["detail"]
        with fp.unit_of_work() as uow:
            made = [e for _, e in uow.audit.events() if e.action == "enquiry:made"]
        assert made == []

    def test_the_own_agency_is_never_signposted_back(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        register(client, fp)
        response = client.post(
            "/api/v1/enquiries", json={"purpose": PURPOSE, **child()}, headers=bearer(fp, "CSC-LDS")
        )
        assert response.json()["signposts"] == []

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ({"given_names": "Olivia", "family_name": "Harrison"}, "purpose"),
            ({"purpose": "", **child()}, "purpose"),
            # Issue 18: an `other` purpose needs a reason in words (the domain's rule).
            ({"purpose": ".", **child()}, "reason in words"),
            ({"purpose": "\u200b", **child()}, "reason in words"),
            ({"purpose": "?!", **child()}, "reason in words"),
            ({"purpose": PURPOSE, "family_name": "Harrison"}, "at least two"),
            ({"purpose": PURPOSE, **child(date_of_birth="31/02/2015")}, "date_of_birth"),
            ({"purpose": PURPOSE, "urgent": "very", **child()}, "urgent"),
        ],
    )
    def test_bad_enquiries_are_refused_as_problems(
        self, client: TestClient, fp: Fingerpost, body: dict[str, object], reason: str
    ) -> None:
        response = client.post("/api/v1/enquiries", json=body, headers=bearer(fp, "GMP"))
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        assert reason in response.text
        assert "31/02/2015" not in response.text

    def test_the_registered_practitioner_is_told_who_asked(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        register(client, fp)
        client.post(
            "/api/v1/enquiries", json={"purpose": PURPOSE, **child()}, headers=bearer(fp, "GMP")
        )
        mine = bearer(fp, "CSC-LDS", email="priya.shah@leeds.example.org")
        [notice] = client.get("/api/v1/notifications", headers=mine).json()
        assert notice["kind"] == "enquiry"
        assert notice["about"]["purpose"] == PURPOSE
        assert "Olivia" not in str(notice)


class TestAuthenticationAndErrors:
    @pytest.mark.parametrize(
        "headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"}]
    )
    def test_no_valid_token_is_401(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.get("/api/v1/involvements", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"

    def test_bad_json_and_wrong_types_are_4xx_problems(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        headers = {**bearer(fp, "GMP"), "Content-Type": "application/json"}
        for content in (b"{not json", b"[]", b'"text"', b'{"purpose": 5}'):
            response = client.post("/api/v1/enquiries", content=content, headers=headers)
            assert 400 <= response.status_code < 500, content
            assert response.headers["content-type"] == PROBLEM

    def test_unknown_routes_and_methods_are_problems(self, client: TestClient) -> None:
        assert client.get("/api/v1/nothing").headers["content-type"] == PROBLEM
        assert client.put("/api/v1/enquiries").status_code == 405

    def test_the_audit_is_for_auditors(self, client: TestClient, fp: Fingerpost) -> None:
        register(client, fp)
        assert client.get("/api/v1/audit/events", headers=bearer(fp, "GMP")).status_code == 403
        auditor = bearer(fp, "GMP", Role.AUDITOR)
        events = client.get("/api/v1/audit/events", headers=auditor).json()
        assert any(e["action"] == "involvement:registered" for e in events)
        assert client.get("/api/v1/audit/verify", headers=auditor).json() == {
            "intact": True,
            "first_bad_seq": None,
            "damaged": None,
        }

    def test_a_damaged_checkpoint_is_reported_not_intact(
        self, client: TestClient, fp: Fingerpost
    ) -> None:
        register(client, fp)
        with fp.engine.begin() as connection:
            size = connection.exec_driver_sql("SELECT min(size) FROM audit_checkpoints").scalar()
            connection.exec_driver_sql("UPDATE audit_checkpoints SET root = 'not hex at all'")
        answer = client.get("/api/v1/audit/verify", headers=bearer(fp, "GMP", Role.AUDITOR))
        assert answer.status_code == 200
        assert answer.json()["intact"] is False
        assert f"checkpoint of size {size} in the database is damaged" in answer.json()["damaged"]


class TestOperations:
    def test_health_readiness_metrics_and_openapi(self, client: TestClient, fp: Fingerpost) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200
        client.post(
            "/api/v1/enquiries", json={"purpose": PURPOSE, **child()}, headers=bearer(fp, "GMP")
        )
        metrics = client.get("/metrics", headers=bearer(fp, "OPS", Role.OPERATOR)).text
        assert "fingerpost_enquiries_total 1.0" in metrics
        assert 'route="/api/v1/enquiries"' in metrics
        spec = client.get("/openapi.json").json()
        assert "/api/v1/enquiries" in spec["paths"]

    def test_the_interactive_docs_are_served_by_the_service_itself(
        self, client: TestClient
    ) -> None:
        page = client.get("/docs")
        assert page.status_code == 200
        # Everything the page loads comes from the service: it works on a network with no CDN.
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources
        assert all(source.startswith("/docs/assets/") for source in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200
        assert client.get("/redoc").status_code == 404

    def test_api_responses_are_not_cached(self, client: TestClient, fp: Fingerpost) -> None:
        response = client.get("/api/v1/agencies", headers=bearer(fp, "GMP"))
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert {a["code"] for a in response.json()} == {"CSC-LDS", "GMP", "NHS"}


class TestAccountability:
    @pytest.fixture
    def client(self, settings: object) -> Iterator[TestClient]:
        from fingerpost.bootstrap import bootstrap
        from fingerpost.config import Settings

        assert isinstance(settings, Settings)
        limited = bootstrap(settings.model_copy(update={"limit_user_per_hour": 2}))
        limited.hub.import_agencies(
            Actor.system("OPS"), [make_agency("CSC-LDS"), make_agency("GMP", kind="police")]
        )
        self.fp = limited
        with TestClient(create_app(limited)) as client:
            yield client
        limited.close()

    def test_too_many_enquiries_are_refused_with_429_and_a_retry_time(
        self, client: TestClient
    ) -> None:
        headers = bearer(self.fp, "GMP")
        body = child(purpose="emergency care")
        for _ in range(2):
            assert client.post("/api/v1/enquiries", json=body, headers=headers).status_code == 200
        refused = client.post("/api/v1/enquiries", json=body, headers=headers)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == PROBLEM
        assert int(refused.headers["Retry-After"]) > 0
        assert "urgent" in refused.json()["detail"]
        urgent = client.post("/api/v1/enquiries", json=body | {"urgent": True}, headers=headers)
        assert urgent.status_code == 200

    def test_an_auditor_reviews_an_urgent_enquiry(self, client: TestClient) -> None:
        client.post(
            "/api/v1/enquiries",
            json=child(purpose="emergency care", urgent=True),  # type: ignore[arg-type]
            headers=bearer(self.fp, "GMP"),
        )
        auditor = bearer(self.fp, "AUDIT", Role.AUDITOR)
        assert client.get("/api/v1/reviews", headers=bearer(self.fp, "GMP")).status_code == 403
        [review] = client.get("/api/v1/reviews", headers=auditor).json()
        assert review["agency"] == "GMP"
        assert review["closed_at"] is None
        closed = client.post(
            f"/api/v1/reviews/{review['id']}/close",
            json={"outcome": "justified", "note": "child in A&E"},
            headers=auditor,
        )
        assert closed.status_code == 200
        assert closed.json()["outcome"] == "justified"
        assert client.get("/api/v1/reviews", headers=auditor).json() == []
        again = client.post(
            f"/api/v1/reviews/{review['id']}/close", json={"outcome": "justified"}, headers=auditor
        )
        assert again.status_code == 422
        assert again.headers["content-type"] == PROBLEM

    def test_administrators_see_alerts_in_their_notifications(self, client: TestClient) -> None:
        client.post(
            "/api/v1/enquiries",
            json=child(purpose="emergency care", urgent=True),  # type: ignore[arg-type]
            headers=bearer(self.fp, "GMP"),
        )
        admin = client.get(
            "/api/v1/notifications", headers=bearer(self.fp, "GMP", Role.AGENCY_ADMIN)
        ).json()
        assert [(n["kind"], n["about"]["rule"]) for n in admin] == [("alert", "break-glass")]
        assert admin[0]["involvement_id"] is None


def test_an_auditor_gets_a_subject_access_report_and_an_agency_a_family_notice(
    client: TestClient, fp: Fingerpost
) -> None:
    registered = register(client, fp)
    path = f"/api/v1/involvements/{registered['id']}/notice"
    notice = client.get(path, headers=bearer(fp, "CSC-LDS"))
    assert notice.status_code == 200
    assert "subject access request" in notice.text
    assert client.get(path, headers=bearer(fp, "GMP")).status_code == 404
    body = {"reference": "SAR-1", **child()}
    auditor = bearer(fp, "NHS", Role.AUDITOR)
    report = client.post("/api/v1/subject-access", json=body, headers=auditor)
    assert report.status_code == 200, report.text
    assert [i["id"] for i in report.json()["involvements"]] == [registered["id"]]
    page = client.post("/api/v1/subject-access?format=html", json=body, headers=auditor)
    assert page.headers["content-type"].startswith("text/html")
    refused = client.post("/api/v1/subject-access", json=body, headers=bearer(fp, "GMP"))
    assert refused.status_code == 403
