"""`fingerpost notifications` (inbox, outbox status, delivery) and `fingerpost reviews`
(break-glass reviews), as an operator and an auditor use them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]
AUDITOR = Actor("a@audit.example", "An Auditor", "-", Role.AUDITOR, strong_auth=True)


@pytest.fixture
def looked_for(with_agencies: Cli, csv_file: CsvFile, register_row: Row) -> Cli:
    """Leeds registers Olivia; a police officer makes an urgent enquiry that finds her."""
    rows = [register_row(local_ref="L-1", practitioner_email="priya.shah@leeds.example")]
    assert with_agencies("register", "--agency", "CSC-LDS", csv_file("l.csv", rows)).exit_code == 0
    officer = Actor(
        "jo@gmp.example", "DC Jo Patel", "GMP", Role.PRACTITIONER, "jo@gmp.example",
        strong_auth=True,
    )  # fmt: skip
    with with_agencies.installation() as fp:
        query = fp.gateway.encode(
            fp_child(given_names="Olivia", family_name="Harrison", date_of_birth="2015-06-07")
        )
        assert fp.hub.enquire(officer, "emergency care", query, urgent=True).signposts
    return with_agencies


def fp_child(**fields: str):  # type: ignore[no-untyped-def]
    from fingerpost.gateway import parse_child

    return parse_child(fields)


def test_an_agency_inbox_lists_who_enquired_by_local_ref_only(looked_for: Cli) -> None:
    result = looked_for("notifications", "list", "--agency", "CSC-LDS")
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert "\tenquiry\tL-1\tpriya.shah@leeds.example\t" in line
    assert "DC Jo Patel" in line
    assert "Olivia" not in line
    assert "Harrison" not in line


def test_each_listing_of_an_inbox_is_recorded_as_the_command_lines(looked_for: Cli) -> None:
    looked_for("notifications", "list", "--agency", "CSC-LDS")
    looked_for("notifications", "list", "--agency", "CSC-LDS", "--email", "x@leeds.example")
    with looked_for.installation() as fp:
        reads = fp.hub.audit_events(AUDITOR, action="notifications:read", limit=10)
    assert [(e.actor, e.detail["agency"], e.detail["recipient"]) for e in reads] == [
        ("cli:operator", "CSC-LDS", "x@leeds.example"),
        ("cli:operator", "CSC-LDS", "(administrators)"),
    ]
    assert reads[1].detail["result_count"] == "1"


def test_a_practitioner_filter_shows_only_their_notifications(looked_for: Cli) -> None:
    mine = looked_for("notifications", "list", "--agency", "CSC-LDS", "--email", "x@leeds.example")
    assert mine.exit_code == 0
    assert mine.stdout == ""


def test_administrators_see_the_break_glass_alert(looked_for: Cli) -> None:
    result = looked_for("notifications", "list", "--agency", "GMP")
    assert "\talert\t-\t(administrators)\t" in result.stdout
    assert "rule=break-glass" in result.stdout


def test_the_outbox_status_says_what_is_pending_and_that_no_mail_server_is_set(
    looked_for: Cli,
) -> None:
    result = looked_for("notifications", "status")
    assert result.exit_code == 0
    assert result.stdout.startswith("outbox: 2 pending · 0 failed · 0 delivered")
    assert "inbox only" in result.stdout


def test_delivering_without_a_mail_server_is_a_clear_error(looked_for: Cli) -> None:
    result = looked_for("notifications", "deliver")
    assert result.exit_code == 2
    assert "FINGERPOST_SMTP_HOST" in result.stderr


def test_an_auditor_lists_and_closes_a_review(looked_for: Cli) -> None:
    listed = looked_for("reviews", "list", "--auditor", "Ann Auditor")
    assert listed.exit_code == 0
    [line] = listed.stdout.splitlines()
    review_id, _, agency, who, purpose, _found, state = line.split("\t")
    assert (agency, who, purpose, state) == (
        "GMP",
        "DC Jo Patel (practitioner)",
        "Emergency care",
        "open",
    )
    closed = looked_for(
        "reviews", "close", review_id, "--outcome", "justified", "--auditor", "Ann Auditor"
    )
    assert closed.exit_code == 0, closed.output
    assert looked_for("reviews", "list", "--auditor", "Ann").stdout == ""
    assert "justified by cli:auditor:Ann Auditor" in looked_for("reviews", "list", "--all").stdout
    again = looked_for("reviews", "close", review_id, "--outcome", "justified", "--auditor", "A")
    assert again.exit_code == 2
    assert "already closed" in again.stderr
