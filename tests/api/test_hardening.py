"""What a hostile tester found at the HTTP API (issue 18), kept found: paging out of range, an
unexpected error, oversized bodies, tokens that live too long, the documented errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from api.test_api import PROBLEM, bearer
from conftest import make_agency
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app


@pytest.fixture
def client(fp: Fingerpost) -> Iterator[TestClient]:
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS"), make_agency("OPS")])
    with TestClient(create_app(fp), raise_server_exceptions=False) as client:
        yield client


def operator(fp: Fingerpost) -> dict[str, str]:
    return bearer(fp, "OPS", Role.OPERATOR)


class TestPaging:
    @pytest.mark.parametrize("offset", ["9223372036854775808", "-1", "1e3", "99999999999"])
    def test_an_offset_out_of_range_is_a_422_problem(
        self, client: TestClient, fp: Fingerpost, offset: str
    ) -> None:
        admin = bearer(fp, "CSC-LDS", Role.AGENCY_ADMIN)
        answer = client.get(f"/api/v1/involvements?offset={offset}", headers=admin)
        assert answer.status_code == 422
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["errors"][0]["field"] == "query.offset"

    @pytest.mark.parametrize(
        "path", ["/api/v1/involvements", "/api/v1/notifications", "/api/v1/reviews"]
    )
    @pytest.mark.parametrize("limit", ["0", "1001", "9223372036854775808"])
    def test_a_limit_out_of_range_is_a_422_problem(
        self, client: TestClient, fp: Fingerpost, path: str, limit: str
    ) -> None:
        answer = client.get(f"{path}?limit={limit}", headers=bearer(fp, "CSC-LDS"))
        assert answer.status_code == 422


class TestUnexpectedErrors:
    def test_a_500_has_the_security_headers_a_metrics_count_and_a_log_line(
        self, client: TestClient, fp: Fingerpost, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken() -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(fp.hub, "agencies", broken)
        with capture_logs() as logged:
            answer = client.get("/api/v1/agencies", headers=bearer(fp, "CSC-LDS"))
        assert answer.status_code == 500
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["detail"] == "something went wrong; it has been logged"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert any(
            line["event"] == "request"
            and (line["route"], line["status"]) == ("/api/v1/agencies", 500)
            for line in logged
        )
        assert any(
            line["event"] == "unhandled error" and line["error"] == "RuntimeError"
            for line in logged
        )
        metrics = client.get("/metrics", headers=operator(fp)).text
        assert (
            'fingerpost_http_requests_total{method="GET",route="/api/v1/agencies",status="500"}'
            " 1.0" in metrics
        )
