"""`POST /api/v1/sync`: the snapshot sync over HTTP, for agency administrators. The CSV body is
streamed in chunks; the answer is the counts and the problem rows, never a child's details; the
safety brake answers 409 with nothing changed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.test_api import bearer
from conftest import make_agency, make_register_row
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.gateway import REGISTER_COLUMNS


@pytest.fixture
def client(fp: Fingerpost) -> Iterator[TestClient]:
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS")])
    with TestClient(create_app(fp)) as client:
        yield client


def as_csv(rows: Sequence[Mapping[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, REGISTER_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def chunks(data: bytes, size: int = 100) -> Iterator[bytes]:
    """The body as a stream of small chunks (chunked transfer encoding)."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return [
        make_register_row(local_ref=f"A-{n}", given_names=name)
        for n, name in enumerate(["Ada", "Ben", "Cal", "Dee", "Eve", "Fin", "Gus", "Hal", "Ivy"])
    ] + [make_register_row(local_ref="A-9", nhs_number="9434765918")]


def sync(
    client: TestClient, fp: Fingerpost, body: bytes, role: Role = Role.AGENCY_ADMIN, **query: str
) -> dict[str, object]:
    response = client.post(
        "/api/v1/sync",
        params=query,
        content=chunks(body),
        headers=bearer(fp, "CSC-LDS", role) | {"Content-Type": "text/csv"},
    )
    return {"status": response.status_code, **response.json()}


def open_refs(fp: Fingerpost) -> set[str]:
    return {
        i.key.local_ref
        for i in fp.hub.list_involvements(Actor.system("CSC-LDS"), limit=1000)
        if i.terms.end_date is None
    }


def test_a_streamed_snapshot_is_synced_and_counted(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    first = sync(client, fp, as_csv(rows))
    assert first["status"] == 200, first
    assert (first["new"], first["unchanged"], first["ended"], first["warnings"]) == (10, 0, 0, 1)
    assert first["problems"] == [
        {
            "line": 11,
            "local_ref": "A-9",
            "reason": "nhs_number: not a valid NHS number (fails the mod-11 check); the row is"
            " kept without it",
            "outcome": "kept",
        }
    ]
    again = sync(client, fp, as_csv(rows[1:]), snapshot_date="2026-12-01")
    assert again["status"] == 200, again
    assert (again["new"], again["changed"], again["unchanged"], again["ended"]) == (0, 0, 9, 1)
    assert open_refs(fp) == {row["local_ref"] for row in rows[1:]}
    assert "Olivia" not in str(again)


def test_a_dry_run_over_http_changes_nothing(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    sync(client, fp, as_csv(rows))
    dry = sync(client, fp, as_csv(rows[1:]), dry_run="true")
    assert (dry["status"], dry["dry_run"], dry["ended"], dry["open_before"]) == (200, True, 1, 10)
    assert len(open_refs(fp)) == 10


def test_the_brake_answers_409_and_changes_nothing(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    sync(client, fp, as_csv(rows))
    refused = sync(client, fp, as_csv(rows[:5]))
    assert refused["status"] == 409
    assert "would end 5 of the agency's 10 open involvements" in str(refused["detail"])
    assert refused["title"] == "Conflict"
    assert "allow_mass_end=true" in str(refused["detail"])  # how to say so over HTTP
    assert len(open_refs(fp)) == 10
    released = sync(client, fp, as_csv(rows[:5]), allow_mass_end="true")
    assert (released["status"], released["ended"]) == (200, 5)


def test_only_agency_administrators_may_sync(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    for role in (Role.PRACTITIONER, Role.AUDITOR, Role.OPERATOR):
        assert sync(client, fp, as_csv(rows), role)["status"] == 403
    assert open_refs(fp) == set()


def test_a_file_without_the_required_columns_is_a_problem_and_writes_nothing(
    client: TestClient, fp: Fingerpost
) -> None:
    refused = sync(client, fp, b"local_ref,given_names\nX,Ada\n")
    assert refused["status"] == 422
    assert "missing required column(s)" in str(refused["detail"])
    assert ".sync-" not in str(refused["detail"])
    assert not list(fp.settings.home.glob(".sync-*"))


def test_the_spooled_file_is_removed_after_the_sync(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    sync(client, fp, as_csv(rows))
    assert not list(fp.settings.home.resolve().glob(".sync-*"))


def test_a_body_over_the_limit_is_refused_before_anything_is_written(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fp.settings, "sync_max_mib", 0)
    refused = sync(client, fp, as_csv(rows))
    assert refused["status"] == 413
    assert open_refs(fp) == set()
    assert not list(fp.settings.home.resolve().glob(".sync-*"))


def test_a_snapshot_larger_than_the_apis_body_limit_is_read_up_to_its_own(
    fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS")])
    fp.settings.request_max_kib = 1
    body = as_csv(rows)
    assert len(body) > 1024
    with TestClient(create_app(fp)) as small_api:
        answer = sync(small_api, fp, body)
    assert answer["status"] == 200, answer
    assert open_refs(fp) == {row["local_ref"] for row in rows}


def test_the_openapi_document_describes_the_sync(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/sync"]["post"]
    assert "text/csv" in operation["requestBody"]["content"]
    assert {"200", "409", "413"} <= set(operation["responses"])


def progress_lines(
    client: TestClient, fp: Fingerpost, body: bytes, **query: str
) -> list[dict[str, Any]]:
    response = client.post(
        "/api/v1/sync",
        params=query,
        content=chunks(body),
        headers=bearer(fp, "CSC-LDS", Role.AGENCY_ADMIN)
        | {"Content-Type": "text/csv", "Accept": "application/x-ndjson"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def test_with_ndjson_the_sync_reports_its_progress_then_its_result(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    lines = progress_lines(client, fp, as_csv(rows))
    *progress, last = lines
    assert progress[0] == {"progress": {"pass": "reading", "rows_read": 10}}
    assert {"progress": {"pass": "writing", "rows_read": 10}} in progress
    assert last["result"]["new"] == 10
    assert open_refs(fp) == {row["local_ref"] for row in rows}
    assert not list(fp.settings.home.resolve().glob(".sync-*"))


def test_with_ndjson_a_refusal_by_the_brake_is_the_last_line(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    sync(client, fp, as_csv(rows))
    *_, last = progress_lines(client, fp, as_csv(rows[:5]))
    assert last["problem"]["status"] == 409
    assert "nothing was changed" in last["problem"]["detail"]
    assert len(open_refs(fp)) == 10


def test_a_snapshot_dated_in_the_future_is_a_problem_and_writes_nothing(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    refused = sync(client, fp, as_csv(rows), snapshot_date="2062-11-30")
    assert refused["status"] == 422
    assert "snapshot_date: in the future" in str(refused["detail"])
    assert open_refs(fp) == set()


def test_a_form_upload_is_refused_saying_how_to_send_the_file(
    client: TestClient, fp: Fingerpost, rows: list[dict[str, str]]
) -> None:
    """`curl -F file=@list.csv` (and a library's `files=`) sends multipart/form-data: the
    boundary line was read as the header, and the answer named every required column as
    missing from a file that had them all."""
    response = client.post(
        "/api/v1/sync",
        files={"file": ("list.csv", as_csv(rows), "text/csv")},
        headers=bearer(fp, "CSC-LDS", Role.AGENCY_ADMIN),
    )
    assert response.status_code == 415
    assert "as the body" in response.json()["detail"]
    assert "--data-binary" in response.json()["detail"]
    assert open_refs(fp) == set()
    assert not list(fp.settings.home.glob(".sync-*"))
