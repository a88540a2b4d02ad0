"""The web pages over HTTP (no browser): who may see what, the security headers, CSRF on every
form, session cookies, nothing cached, the API untouched beside them. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import Scenario
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.api import create_app
from web.support import CHILD, COUNCIL, POLICE, PRIYA, SHIELDED, csrf, seed

PAGE = {"accept": "text/html"}


@pytest.fixture
def demo(settings: Settings) -> Iterator[Fingerpost]:
    installation = bootstrap(settings.model_copy(update={"demo_sign_in": True}))
    seed(installation)
    yield installation
    installation.close()


@pytest.fixture
def client(demo: Fingerpost) -> Iterator[TestClient]:
    # Secure cookies are not sent over http://testserver, so the browser-facing tests turn the
    # flag off like the demo does; `test_session_cookie_flags` checks the default.
    demo_http = bootstrap(demo.settings.model_copy(update={"cookie_secure": False}))
    with TestClient(create_app(demo_http), base_url="http://testserver") as client:
        yield client
    demo_http.close()


def sign_in_as(client: TestClient, subject: str) -> str:
    """Sign in through the demo page; returns the new session's CSRF token."""
    page = client.get("/sign-in", headers=PAGE)
    answer = client.post(
        "/sign-in/demo",
        data={"csrf_token": csrf(page.text), "subject": subject},
        headers=PAGE,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return csrf(client.get(answer.headers["location"], headers=PAGE).text)


def test_the_start_page_explains_the_service_and_leads_to_sign_in(client: TestClient) -> None:
    page = client.get("/", headers=PAGE)
    assert page.status_code == 200
    assert "Find who else works with a child" in page.text
    assert 'href="/sign-in"' in page.text


def test_pages_behind_sign_in_send_the_user_to_sign_in(client: TestClient) -> None:
    for path in ("/enquiry", "/notifications", "/admin/involvements", "/audit", "/operations"):
        answer = client.get(path, headers=PAGE, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in"), path


def test_every_page_carries_a_strict_content_security_policy_and_is_never_cached(
    client: TestClient,
) -> None:
    headers = client.get("/sign-in", headers=PAGE).headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert (
        client.get("/static/govuk/govuk-frontend.min.css")
        .headers["cache-control"]
        .startswith("public")
    )


def test_the_api_keeps_its_contract_beside_the_pages(client: TestClient) -> None:
    answer = client.get("/api/v1/agencies", headers=PAGE)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert client.get("/healthz").json() == {"status": "ok"}
    assert "/enquiry" not in client.get("/openapi.json").json()["paths"]


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    token = sign_in_as(client, PRIYA)
    child = {"given_names": "Olivia", "family_name": "Harrison", "purpose": "emergency-care"}
    assert client.post("/enquiry", data=child, headers=PAGE).status_code == 403
    forged = child | {"csrf_token": ("y" if token[0] == "x" else "x") + token[1:]}
    assert client.post("/enquiry", data=forged, headers=PAGE).status_code == 403
    assert client.post("/sign-out", headers=PAGE).status_code == 403


def test_session_cookie_flags(demo: Fingerpost) -> None:
    with TestClient(create_app(demo), base_url="https://testserver") as client:
        page = client.get("/sign-in", headers=PAGE)
        cookie = page.headers["set-cookie"].lower()
    assert cookie.startswith("__host-fingerpost=")
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie


def test_the_demo_sign_in_lists_one_user_per_role_and_agency(client: TestClient) -> None:
    page = client.get("/sign-in", headers=PAGE).text
    assert "Demo only" in page
    assert f'value="{PRIYA}"' in page  # the council's practitioner, as its register names her
    for code in (COUNCIL, POLICE):
        assert f'value="admin.{code.lower()}@demo.invalid"' in page
    assert 'value="ali.reed@demo.invalid"' in page  # an auditor
    assert 'value="morgan.lee@demo.invalid"' in page  # an operator


def test_without_demo_mode_there_is_no_demo_sign_in(fp: Fingerpost) -> None:
    seed(fp)
    with TestClient(create_app(fp)) as client:
        page = client.get("/sign-in", headers=PAGE)
        assert "Demo only" not in page.text
        assert PRIYA not in page.text
        refused = client.post("/sign-in/demo", data={"subject": PRIYA}, headers=PAGE)
        assert refused.status_code == 404


def test_an_enquiry_shows_signposts_and_is_not_cached(client: TestClient) -> None:
    token = sign_in_as(client, "admin.pol-wy@demo.invalid")
    day, month, year = "7", "6", "2015"
    answer = client.post(
        "/enquiry",
        data={"csrf_token": token, "given_names": CHILD["given_names"],
              "family_name": CHILD["family_name"], "dob-day": day, "dob-month": month,
              "dob-year": year, "purpose": "child-protection-enquiry"},
        headers=PAGE,
    )  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "Leeds children&#39;s services" in answer.text
    assert 'href="tel:01134960000"' in answer.text
    assert f'href="mailto:{PRIYA}"' in answer.text


def test_a_reason_that_names_the_child_is_sent_back_to_be_put_right(client: TestClient) -> None:
    token = sign_in_as(client, "admin.pol-wy@demo.invalid")
    answer = client.post(
        "/enquiry",
        data={"csrf_token": token, "given_names": CHILD["given_names"],
              "family_name": CHILD["family_name"], "dob-day": "7", "dob-month": "6",
              "dob-year": "2015", "purpose": "other",
              "purpose_other": f"worried about {CHILD['given_names']}"},
        headers=PAGE,
    )  # fmt: skip
    assert answer.status_code == 400
    assert "never the child" in answer.text
    assert "Leeds children" not in answer.text  # nothing was asked


def test_validation_errors_name_each_field_and_nothing_is_asked(
    client: TestClient, demo: Fingerpost
) -> None:
    token = sign_in_as(client, "admin.pol-wy@demo.invalid")
    before = len(demo.hub.audit_export(Scenario.auditor()))
    answer = client.post(
        "/enquiry",
        data={"csrf_token": token, "family_name": "Harrison", "nhs_number": "123",
              "dob-day": "7", "purpose": "other"},
        headers=PAGE,
    )  # fmt: skip
    assert answer.status_code == 400
    assert "<title>Error: " in answer.text
    for anchor, message in (
        ("#purpose_other", "Enter the reason you are asking"),
        ("#dob-day", "Date of birth must include a month and year"),
    ):
        assert f'href="{anchor}">{message}' in answer.text
    assert len(demo.hub.audit_export(Scenario.auditor())) == before  # no enquiry was made


def test_roles_see_only_their_pages(client: TestClient) -> None:
    sign_in_as(client, PRIYA)
    for path in ("/audit", "/operations", "/admin/involvements", "/admin/register"):
        assert client.get(path, headers=PAGE).status_code == 403, path
    assert client.get("/notifications", headers=PAGE).status_code == 200
    sign_in_as(client, "ali.reed@demo.invalid")
    assert client.get("/enquiry", headers=PAGE).status_code == 403
    assert client.get("/audit", headers=PAGE).status_code == 200


def test_an_upload_with_a_missing_column_is_refused_whole(
    client: TestClient, demo: Fingerpost, tmp_path: Path
) -> None:
    token = sign_in_as(client, f"admin.{COUNCIL.lower()}@demo.invalid")
    before = demo.hub.count_involvements()
    answer = client.post(
        "/admin/register",
        data={"csrf_token": token},
        files={"file": ("register.csv", b"local_ref,given_names\nA1,Zoe\n", "text/csv")},
        headers=PAGE,
    )
    assert answer.status_code == 200  # the progress page, after the redirect
    page = answer.text
    for _ in range(100):
        if "The file cannot be used" in page:
            break
        page = client.get(str(answer.url), headers=PAGE).text
    assert "missing required column(s)" in page
    assert demo.hub.count_involvements() == before


def test_another_users_upload_is_not_found(client: TestClient) -> None:
    sign_in_as(client, f"admin.{COUNCIL.lower()}@demo.invalid")
    assert client.get("/admin/register/made-up", headers=PAGE).status_code == 404


def test_a_large_upload_reports_its_progress_until_checked(
    client: TestClient, register_row: Callable[..., dict[str, str]]
) -> None:
    token = sign_in_as(client, f"admin.{COUNCIL.lower()}@demo.invalid")
    rows = [register_row(local_ref=f"BIG-{n:04d}") for n in range(1200)]
    text = ",".join(rows[0]) + "\n" + "".join(",".join(r.values()) + "\n" for r in rows)
    answer = client.post(
        "/admin/register",
        data={"csrf_token": token},
        files={"file": ("big.csv", text.encode(), "text/csv")},
        headers=PAGE,
        follow_redirects=False,
    )
    progress = f"{answer.headers['location']}/progress"
    seen = []
    for _ in range(500):
        seen.append(client.get(progress).json())
        if seen[-1]["stage"] == "checked":
            break
        time.sleep(0.01)
    assert seen[-1] == {"stage": "checked", "percent": 100}
    assert all(0 <= s["percent"] <= 100 for s in seen)
    assert "Register 1200 rows" in client.get(answer.headers["location"], headers=PAGE).text


def test_a_new_upload_replaces_the_one_still_waiting_so_uploads_cannot_pile_up(
    client: TestClient, register_row: Callable[..., dict[str, str]]
) -> None:
    """Each waiting upload is held in memory (up to 50 MiB): one per user, not one per POST."""
    token = sign_in_as(client, f"admin.{COUNCIL.lower()}@demo.invalid")
    row = register_row(local_ref="ONE-1")
    text = (",".join(row) + "\n" + ",".join(row.values()) + "\n").encode()
    uploads = []
    for name in ("first.csv", "second.csv"):
        answer = client.post(
            "/admin/register",
            data={"csrf_token": token},
            files={"file": (name, text, "text/csv")},
            headers=PAGE,
            follow_redirects=False,
        )
        uploads.append(answer.headers["location"])
        wait_for(client, uploads[-1], "Register 1 row")
    assert client.get(uploads[0], headers=PAGE).status_code == 404
    assert client.get(uploads[1], headers=PAGE).status_code == 200


def wait_for(client: TestClient, page_url: str, text: str) -> str:
    for _ in range(500):
        page = client.get(page_url, headers=PAGE).text
        if text in page:
            return page
        time.sleep(0.01)
    raise AssertionError(f"{page_url} never said {text!r}")


def test_the_web_keeps_no_child_identity_at_rest_or_in_its_logs(
    client: TestClient, demo: Fingerpost, capsys: pytest.CaptureFixture[str]
) -> None:
    """A register uploaded and an enquiry made through the pages leave the child's name, date
    of birth and postcode nowhere in the home (database, keys, session key) nor in the logs."""
    token = sign_in_as(client, f"admin.{COUNCIL.lower()}@demo.invalid")
    columns = "local_ref,given_names,family_name,date_of_birth,postcode,involvement,"
    columns += "practitioner_name,practitioner_email,start_date"
    row = "LDS-7,Oluwaseun,Adebayo-Okafor,2012-09-17,SE15 4QN,child-in-need,Sam,s@x.org,2025-01-06"
    answer = client.post(
        "/admin/register",
        data={"csrf_token": token},
        files={"file": ("r.csv", f"{columns}\n{row}\n".encode(), "text/csv")},
        headers=PAGE,
        follow_redirects=False,
    )
    upload = answer.headers["location"]
    wait_for(client, upload, "Register 1 row")
    client.post(f"{upload}/confirm", data={"csrf_token": token}, headers=PAGE)
    wait_for(client, upload, "Register uploaded")

    token = sign_in_as(client, f"admin.{POLICE.lower()}@demo.invalid")
    found = client.post(
        "/enquiry",
        data={"csrf_token": token, "given_names": "Oluwaseun", "family_name": "Adebayo-Okafor",
              "dob-day": "17", "dob-month": "9", "dob-year": "2012", "postcode": "SE15 4QN",
              "purpose": "emergency-care"},
        headers=PAGE,
    )  # fmt: skip
    assert "1 practitioner found" in found.text

    needles = [b"Oluwaseun", b"Adebayo", b"oluwaseun", b"adebayo", b"2012-09-17", b"SE15 4QN"]
    home = Path(demo.settings.home)
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert [n for n in needles if n in data] == [], path.name
    logged = capsys.readouterr()
    for needle in needles:
        assert needle.decode() not in logged.out + logged.err


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(demo: Fingerpost) -> None:
    small = bootstrap(
        demo.settings.model_copy(update={"cookie_secure": False, "upload_max_mib": 1})
    )
    with TestClient(create_app(small)) as client:
        token = sign_in_as(client, f"admin.{COUNCIL.lower()}@demo.invalid")
        answer = client.post(
            "/admin/register",
            data={"csrf_token": token},
            files={"file": ("big.csv", b"x" * (2 * 1024 * 1024), "text/csv")},
            headers=PAGE,
        )
    small.close()
    assert answer.status_code == 413
    assert "must be smaller than 1 MB" in answer.text


def test_another_agencys_involvement_is_answered_like_a_made_up_one(
    client: TestClient, demo: Fingerpost
) -> None:
    owner = Actor.system(COUNCIL)
    [theirs] = [i for i in demo.hub.list_involvements(owner) if i.key.local_ref == "LDS-0001"]
    token = sign_in_as(client, f"admin.{POLICE.lower()}@demo.invalid")
    form = {"csrf_token": token, "reason": "probing", "shielded": "yes",
            "end-day": "1", "end-month": "1", "end-year": "2026"}  # fmt: skip
    for involvement in (theirs.id, "made-up-id"):
        base = f"/admin/involvements/{involvement}"
        assert client.get(base, headers=PAGE).status_code == 404
        for action in ("end", "shield", "withdraw"):
            answer = client.post(f"{base}/{action}", data=form, headers=PAGE)
            assert answer.status_code == 404, action
    assert demo.hub.get(owner, theirs.id) == theirs  # nothing changed


def test_a_practitioner_may_not_end_or_withdraw_from_the_web_not_even_the_named_one(
    client: TestClient, demo: Fingerpost
) -> None:
    owner = Actor.system(COUNCIL)
    [mine] = [i for i in demo.hub.list_involvements(owner) if i.key.local_ref == "LDS-0001"]
    token = sign_in_as(client, PRIYA)  # the practitioner LDS-0001 names
    form = {"csrf_token": token, "withdraw-reason": "in error",
            "end-day": "1", "end-month": "1", "end-year": "2026"}  # fmt: skip
    for action in ("end", "withdraw"):
        answer = client.post(f"/admin/involvements/{mine.id}/{action}", data=form, headers=PAGE)
        assert answer.status_code == 403, action
    assert demo.hub.get(owner, mine.id) == mine  # nothing changed


def test_an_administrator_withdraws_only_saying_why_and_the_audit_keeps_it(
    client: TestClient, demo: Fingerpost
) -> None:
    owner = Actor.system(COUNCIL)
    [mine] = [i for i in demo.hub.list_involvements(owner) if i.key.local_ref == "LDS-0001"]
    token = sign_in_as(client, f"admin.{COUNCIL.lower()}@demo.invalid")
    base = f"/admin/involvements/{mine.id}"
    assert 'name="withdraw-reason"' in client.get(base, headers=PAGE).text
    unsaid = client.post(f"{base}/withdraw", data={"csrf_token": token}, headers=PAGE)
    assert unsaid.status_code == 400
    assert 'href="#withdraw-reason">Enter why it was in error' in unsaid.text
    assert demo.hub.get(owner, mine.id) == mine
    said = {"csrf_token": token, "withdraw-reason": "registered against the wrong child"}
    done = client.post(f"{base}/withdraw", data=said, headers=PAGE, follow_redirects=False)
    assert done.status_code == 303
    [event] = [
        e
        for _, e in demo.hub.audit_export(Scenario.auditor())
        if e.action == "involvement:withdrawn"
    ]
    assert event.detail["reason"] == "registered against the wrong child"


def test_an_administrator_may_see_past_a_shield_saying_why(client: TestClient) -> None:
    shielded = {"given_names": SHIELDED["given_names"], "family_name": SHIELDED["family_name"],
                "dob-day": "11", "dob-month": "2", "dob-year": "2019",
                "purpose": "child-protection-enquiry"}  # fmt: skip
    token = sign_in_as(client, "jo.patel@police.example.org")
    assert "override_reason" not in client.get("/enquiry", headers=PAGE).text
    refused = client.post(
        "/enquiry",
        data=shielded | {"csrf_token": token, "override_reason": "must reach them tonight"},
        headers=PAGE,
    )
    assert refused.status_code == 403
    assert "may not override a shield" in refused.text

    token = sign_in_as(client, f"admin.{POLICE.lower()}@demo.invalid")
    assert 'name="override_reason"' in client.get("/enquiry", headers=PAGE).text
    hidden = client.post("/enquiry", data=shielded | {"csrf_token": token}, headers=PAGE).text
    assert "duty desk" in hidden
    assert "Hana Visitor" not in hidden
    shown = client.post(
        "/enquiry",
        data=shielded | {"csrf_token": token, "override_reason": "must reach them tonight"},
        headers=PAGE,
    ).text
    assert "Hana Visitor" in shown
    assert "You are seeing past the shield" in shown


def test_a_damaged_checkpoint_is_shown_to_the_auditor_as_a_finding(
    client: TestClient, demo: Fingerpost
) -> None:
    token = sign_in_as(client, "ali.reed@demo.invalid")
    with demo.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_checkpoints SET root = 'not hex at all'")
    page = client.post("/audit/verify", data={"csrf_token": token}, headers=PAGE)
    assert page.status_code == 200
    assert "The audit log has been changed" in page.text
    assert "is damaged: its root hash is not hexadecimal" in page.text


# -- an invalid NHS number: the reason, and a way on without it ------------------------------

ASKING = {
    "given_names": CHILD["given_names"],
    "family_name": CHILD["family_name"],
    "dob-day": "7",
    "dob-month": "6",
    "dob-year": "2015",
    "purpose": "child-protection-enquiry",
}


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("943 476 5918", "This NHS number is not valid: a digit is wrong"),
        ("0101151233", "This is a Scottish CHI number, not an NHS number"),
        ("3200000015", "This is a Northern Irish Health and Care number, not an NHS number"),
        ("12345", "An NHS number is 10 digits"),
    ],
)
def test_an_invalid_nhs_number_is_sent_back_with_the_reason_and_a_way_on(
    client: TestClient, demo: Fingerpost, typed: str, told: str
) -> None:
    token = sign_in_as(client, "admin.pol-wy@demo.invalid")
    before = len(demo.hub.audit_export(Scenario.auditor()))
    answer = client.post(
        "/enquiry", data={"csrf_token": token, "nhs_number": typed, **ASKING}, headers=PAGE
    )
    assert answer.status_code == 400
    assert f'href="#nhs_number">{told}' in answer.text
    assert "Correct it, or search without it" in answer.text
    assert 'value="yes" name="without_nhs"' in answer.text
    assert len(demo.hub.audit_export(Scenario.auditor())) == before  # nothing was asked yet


def test_searching_without_the_invalid_nhs_number_finds_the_child(client: TestClient) -> None:
    token = sign_in_as(client, "admin.pol-wy@demo.invalid")
    answer = client.post(
        "/enquiry",
        data={"csrf_token": token, "nhs_number": "943 476 5918", "without_nhs": "yes", **ASKING},
        headers=PAGE,
    )
    assert answer.status_code == 200
    assert "Leeds children&#39;s services" in answer.text
    assert "Not searched on — This NHS number is not valid" in answer.text


def test_a_valid_nhs_number_offers_no_way_round(client: TestClient) -> None:
    token = sign_in_as(client, "admin.pol-wy@demo.invalid")
    answer = client.post(
        "/enquiry", data={"csrf_token": token, "nhs_number": "943 476 5919", **ASKING},
        headers=PAGE,
    )  # fmt: skip
    assert answer.status_code == 200
    assert "without_nhs" not in answer.text
