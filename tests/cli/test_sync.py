"""`fingerpost sync --agency CODE FILE`: the file is the agency's complete current list. New rows
are registered, changed rows updated, unchanged rows left alone (not even encoded), and the
agency's open involvements missing from the file are ended on the snapshot's date — unless that
would end more than the allowed share of them (the safety brake: exit 2, nothing changed)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fingerpost.domain.actor import Actor
from fingerpost.gateway import Gateway
from fingerpost.service import registration
from fingerpost.service.sync import RowState, Snapshot, SnapshotSync

if TYPE_CHECKING:
    from cli.conftest import Cli, CsvFile

Row = Callable[..., dict[str, str]]


def summary(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def held(cli: Cli, agency: str = "CSC-LDS") -> dict[str, date | None]:
    """local_ref → end date of the agency's involvements."""
    with cli.installation() as fp:
        return {
            i.key.local_ref: i.terms.end_date
            for i in fp.hub.list_involvements(Actor.system(agency), limit=1000)
        }


def audit(cli: Cli) -> list[tuple[str, str]]:
    with cli.installation() as fp, fp.engine.connect() as connection:
        return [
            (action, detail)
            for action, detail in connection.exec_driver_sql(
                "SELECT action, detail FROM audit_events ORDER BY seq"
            )
        ]


@pytest.fixture
def twenty(register_row: Row) -> list[dict[str, str]]:
    """Twenty children, so that one can go missing within the 10 % brake."""
    names = "Ada Ben Cal Dee Eve Fin Gus Hal Ivy Jon Kit Lea Max Ned Ola Pam Quin Rae Sam Tia"
    return [
        register_row(local_ref=f"S-{n:02d}", given_names=name, family_name="Okafor")
        for n, name in enumerate(names.split(" "))
    ]


@pytest.fixture
def synced(with_agencies: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]) -> Cli:
    result = with_agencies("sync", "--agency", "CSC-LDS", csv_file("first.csv", twenty))
    assert result.exit_code == 0, result.output
    return with_agencies


def test_a_first_snapshot_registers_every_row(
    with_agencies: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    result = with_agencies("sync", "--agency", "CSC-LDS", csv_file("first.csv", twenty))
    assert result.exit_code == 0, result.output
    assert "20 rows read · 20 accepted (20 new, 0 changed, 0 unchanged)" in summary(result.stderr)
    assert "0 ended" in summary(result.stderr)
    assert len(held(with_agencies)) == 20


def test_the_same_snapshot_again_is_all_unchanged_and_writes_one_audit_event(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    before = len(audit(synced))
    again = synced("sync", "--agency", "CSC-LDS", csv_file("again.csv", twenty))
    assert again.exit_code == 0, again.output
    assert "(0 new, 0 changed, 20 unchanged)" in summary(again.stderr)
    events = audit(synced)[before:]
    assert [action for action, _ in events] == ["snapshot:synced"]
    counts = json.loads(events[0][1])
    assert counts | {"snapshot_date": ""} == {
        "new": "0",
        "changed": "0",
        "unchanged": "20",
        "ended": "0",
        "rejected": "0",
        "warnings": "0",
        "snapshot_date": "",
    }


def test_an_unchanged_row_is_not_encoded_again(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_encoding(*_: object, **__: object) -> None:
        raise AssertionError("an unchanged row was encoded")

    monkeypatch.setattr(Gateway, "encode", no_encoding)
    again = synced("sync", "--agency", "CSC-LDS", csv_file("again.csv", twenty))
    assert again.exit_code == 0, again.output
    assert "20 unchanged" in summary(again.stderr)


def test_new_changed_and_missing_rows_in_one_snapshot(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], register_row: Row
) -> None:
    tonight = twenty[1:]  # S-00 has gone from the agency's list
    tonight[0] = twenty[1] | {"practitioner_name": "Nadia Rahman"}  # S-01 changed hands
    tonight.append(register_row(local_ref="S-99", given_names="Zed", family_name="Okafor"))
    result = synced(
        "sync",
        "--agency",
        "CSC-LDS",
        "--snapshot-date",
        "2026-11-30",
        csv_file("tonight.csv", tonight),
    )
    assert result.exit_code == 0, result.output
    assert "(1 new, 1 changed, 18 unchanged) · 1 ended on 2026-11-30" in summary(result.stderr)
    ends = held(synced)
    assert ends["S-00"] == date(2026, 11, 30)
    assert ends["S-99"] is None
    assert sum(end is None for end in ends.values()) == 20
    with synced.installation() as fp:
        (changed,) = fp.hub.list_involvements(Actor.system("CSC-LDS"), local_ref="S-01")
    assert changed.terms.practitioner.name == "Nadia Rahman"


def test_an_involvement_ended_by_a_snapshot_reopens_when_it_comes_back(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    synced("sync", "--agency", "CSC-LDS", csv_file("without.csv", twenty[1:]))
    assert held(synced)["S-00"] is not None
    back = synced("sync", "--agency", "CSC-LDS", csv_file("back.csv", twenty))
    assert back.exit_code == 0, back.output
    assert "(0 new, 1 changed, 19 unchanged)" in summary(back.stderr)
    assert held(synced)["S-00"] is None


def test_a_row_changed_by_register_since_the_last_snapshot_is_not_taken_as_unchanged(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    synced(
        "register",
        "--agency",
        "CSC-LDS",
        csv_file("fix.csv", [twenty[3] | {"practitioner_name": "Someone Else"}]),
    )
    result = synced("sync", "--agency", "CSC-LDS", csv_file("again.csv", twenty))
    assert "(0 new, 1 changed, 19 unchanged)" in summary(result.stderr)
    with synced.installation() as fp:
        (row,) = fp.hub.list_involvements(Actor.system("CSC-LDS"), local_ref="S-03")
    assert row.terms.practitioner.name == "Priya Shah"


def test_the_dry_run_prints_the_diff_and_changes_nothing(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], register_row: Row
) -> None:
    tonight = [*twenty[1:], register_row(local_ref="S-99")]
    before = (held(synced), len(audit(synced)))
    result = synced("sync", "--agency", "CSC-LDS", "--dry-run", csv_file("t.csv", tonight))
    assert result.exit_code == 0, result.output
    assert "(1 new, 0 changed, 19 unchanged) · 1 to end on" in summary(result.stderr)
    assert "dry run: nothing written" in summary(result.stderr)
    assert (held(synced), len(audit(synced))) == before


def test_the_brake_refuses_a_snapshot_that_would_end_too_many(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    before = (held(synced), len(audit(synced)))
    truncated = csv_file("truncated.csv", twenty[:10])  # half the list: an export cut short
    result = synced("sync", "--agency", "CSC-LDS", truncated)
    assert result.exit_code == 2
    assert "would end 10 of the agency's 20 open involvements, more than 10%" in result.stderr
    assert "--allow-mass-end" in result.stderr
    assert (held(synced), len(audit(synced))) == before
    dry = synced("sync", "--agency", "CSC-LDS", "--dry-run", truncated)
    assert dry.exit_code == 2


def test_the_brake_allows_up_to_the_share_and_can_be_released(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    assert synced("sync", "--agency", "CSC-LDS", csv_file("two.csv", twenty[2:])).exit_code == 0
    mass = synced("sync", "--agency", "CSC-LDS", "--allow-mass-end", csv_file("h.csv", twenty[:5]))
    assert mass.exit_code == 0, mass.output
    assert sum(end is None for end in held(synced).values()) == 5


def test_the_share_is_configurable(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINGERPOST_SYNC_MAX_END_SHARE", "0.5")
    assert synced("sync", "--agency", "CSC-LDS", csv_file("h.csv", twenty[:10])).exit_code == 0


def test_a_rejected_row_keeps_its_involvement_open(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], tmp_path: Path
) -> None:
    tonight = [dict(row) for row in twenty]
    tonight[4]["start_date"] = "yesterday"  # S-04: the export garbled a date
    errors = tmp_path / "errors.csv"
    result = synced(
        "sync", "--agency", "CSC-LDS", "--errors", errors, csv_file("tonight.csv", tonight)
    )
    assert result.exit_code == 1
    assert "19 accepted" in summary(result.stderr)
    assert "0 ended" in summary(result.stderr)
    assert held(synced)["S-04"] is None
    with errors.open(newline="") as handle:
        assert [row["local_ref"] for row in csv.DictReader(handle)] == ["S-04"]


def test_other_agencies_are_never_ended(
    synced: Cli, csv_file: CsvFile, register_row: Row, twenty: list[dict[str, str]]
) -> None:
    synced("register", "--agency", "GMP", csv_file("gmp.csv", [register_row(local_ref="P-1")]))
    synced("sync", "--agency", "CSC-LDS", csv_file("same.csv", twenty[1:]))
    assert held(synced, "GMP") == {"P-1": None}


def test_a_bad_snapshot_date_is_a_usage_error(synced: Cli, csv_file: CsvFile) -> None:
    result = synced("sync", "--agency", "CSC-LDS", "--snapshot-date", "31/02/2026", "x.csv")
    assert result.exit_code == 2
    assert "--snapshot-date: not a date" in result.stderr


def test_a_nightly_cycle_on_each_database(
    cli_on_each_database: Cli, agencies_csv: Path, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    cli = cli_on_each_database
    assert cli("agencies", "import", agencies_csv).exit_code == 0
    assert cli("sync", "--agency", "CSC-LDS", csv_file("first.csv", twenty)).exit_code == 0
    tonight = [*twenty[1:-1], twenty[-1] | {"end_date": "2026-11-01"}]
    result = cli("sync", "--agency", "CSC-LDS", "--snapshot-date", "2026-12-01",
                 csv_file("tonight.csv", tonight))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(0 new, 1 changed, 18 unchanged) · 1 ended on 2026-12-01" in summary(result.stderr)
    ends = held(cli)
    assert (ends["S-00"], ends["S-19"]) == (date(2026, 12, 1), date(2026, 11, 1))


def test_new_rows_are_linked_to_other_agencies_and_both_practitioners_told(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], register_row: Row
) -> None:
    police = register_row(local_ref="P-7", given_names="Zed", family_name="Okafor",
                          involvement="police-concern", nhs_number="943 476 5919")  # fmt: skip
    assert synced("register", "--agency", "GMP", csv_file("gmp.csv", [police])).exit_code == 0
    same_child = register_row(local_ref="S-99", given_names="Zed", family_name="Okafor",
                              nhs_number="943 476 5919")  # fmt: skip
    result = synced("sync", "--agency", "CSC-LDS", csv_file("t.csv", [*twenty, same_child]))
    assert result.exit_code == 0, result.output
    assert "(1 new, 0 changed, 20 unchanged)" in summary(result.stderr)
    assert "1 links to other agencies" in summary(result.stderr)
    with synced.installation() as fp:
        for agency in ("GMP", "CSC-LDS"):
            kinds = [n.kind for n in fp.hub.notifications(Actor.system(agency))]
            assert "link" in kinds, agency


def test_a_rejected_new_row_is_reported_and_its_neighbours_written(
    with_agencies: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], tmp_path: Path
) -> None:
    first = [dict(row) for row in twenty]
    first[4]["start_date"] = "yesterday"  # S-04: rejected, though parsed only once (ADR 0037)
    first[5]["nhs_number"] = "123"  # S-05: kept, with a warning
    errors = tmp_path / "errors.csv"
    result = with_agencies(
        "sync", "--agency", "CSC-LDS", "--errors", errors, csv_file("first.csv", first)
    )
    assert result.exit_code == 1
    assert "20 rows read · 19 accepted (19 new, 0 changed, 0 unchanged)" in summary(result.stderr)
    assert "1 rejected · 1 warnings (rows kept)" in summary(result.stderr)
    assert "S-04" not in held(with_agencies)
    assert "S-05" in held(with_agencies)
    with errors.open(newline="") as handle:
        assert [row["local_ref"] for row in csv.DictReader(handle)] == ["S-04", "S-05"]
    synced_event = next(detail for action, detail in audit(with_agencies) if "synced" in action)
    assert json.loads(synced_event)["new"] == "19"


def test_a_rejected_row_under_a_reference_held_as_another_kind_keeps_that_open(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    tonight = [dict(row) for row in twenty]
    # S-04 comes as another kind of involvement, garbled: it still names the child, so the
    # involvement held under S-04 is not ended (the row is parsed before anything is planned).
    tonight[4] |= {"involvement": "early-help", "start_date": "yesterday"}
    result = synced("sync", "--agency", "CSC-LDS", csv_file("tonight.csv", tonight))
    assert result.exit_code == 1
    assert "19 accepted (0 new, 0 changed, 19 unchanged) · 0 ended" in summary(result.stderr)
    assert held(synced)["S-04"] is None


def test_against_a_hub_that_names_no_namesakes_rows_are_parsed_first_and_digests_marked_apart(
    with_agencies: Cli,
    csv_file: CsvFile,
    twenty: list[dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a gateway syncs through a hub older than ADR 0037: its classify answer has no
    namesakes, and its registrations take no row digest."""
    classify, register = SnapshotSync.classify, registration.register
    sent: list[str | None] = []

    def old_classify(self: SnapshotSync, snapshot: Snapshot, rows: Any) -> list[RowState]:
        states = classify(self, snapshot, rows)
        snapshot.namesakes = None
        return states

    def old_register(ctx: Any, actor: Actor, registrations: Any) -> Any:
        sent.extend(r.row_digest for r in registrations)
        return register(ctx, actor, registrations)

    monkeypatch.setattr(SnapshotSync, "classify", old_classify)
    monkeypatch.setattr(registration, "register", old_register)
    first = [dict(row) for row in twenty]
    first[4]["start_date"] = "yesterday"
    result = with_agencies("sync", "--agency", "CSC-LDS", csv_file("first.csv", first))
    assert "20 rows read · 19 accepted (19 new, 0 changed, 0 unchanged)" in summary(result.stderr)
    assert sent == [None] * 19
    again = with_agencies(
        "sync", "--agency", "CSC-LDS", csv_file("again.csv", twenty[:4] + twenty[5:])
    )
    assert "(0 new, 0 changed, 19 unchanged)" in summary(again.stderr)


def practitioner_of(cli: Cli, local_ref: str) -> str:
    with cli.installation() as fp:
        (held_row,) = fp.hub.list_involvements(Actor.system("CSC-LDS"), local_ref=local_ref)
    return held_row.terms.practitioner.name


def test_a_second_row_for_one_involvement_is_rejected_and_the_first_kept_night_after_night(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], tmp_path: Path
) -> None:
    """An export that lists S-03 twice, with two practitioners, does not say which is current.
    Both used to be written in turn, and the digest of the last made the first look changed the
    next night: the involvement flipped between the two practitioners every night, unnoticed."""
    before = practitioner_of(synced, "S-03")
    tonight = [*twenty, twenty[3] | {"practitioner_name": "Nadia Rahman"}]  # line 22
    errors = tmp_path / "errors.csv"
    for night in ("first.csv", "second.csv"):
        result = synced("sync", "--agency", "CSC-LDS", "--errors", errors, csv_file(night, tonight))
        assert result.exit_code == 1, result.output
        assert "21 rows read · 20 accepted (0 new, 0 changed, 20 unchanged)" in summary(
            result.stderr
        )
        assert "line 22: local_ref and involvement: the same as line 5's" in result.stderr
        assert practitioner_of(synced, "S-03") == before
    with errors.open(newline="") as handle:
        assert [(row["line"], row["local_ref"]) for row in csv.DictReader(handle)] == [
            ("22", "S-03")
        ]


def test_a_new_involvement_listed_twice_is_registered_once_from_its_first_row(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]], register_row: Row
) -> None:
    zed = register_row(local_ref="S-99", given_names="Zed", family_name="Okafor")
    tonight = [*twenty, zed, zed | {"practitioner_name": "Nadia Rahman"}]
    result = synced("sync", "--agency", "CSC-LDS", csv_file("tonight.csv", tonight))
    assert result.exit_code == 1, result.output
    assert "(1 new, 0 changed, 20 unchanged)" in summary(result.stderr)
    assert practitioner_of(synced, "S-99") == zed["practitioner_name"]


def test_a_snapshot_dated_in_the_future_is_refused_and_ends_nothing(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    """`--snapshot-date 2062-11-30` for 2026-11-30 would end S-00 decades from now: a typo."""
    later = (date.today() + timedelta(days=2)).isoformat()
    result = synced(
        "sync", "--agency", "CSC-LDS", "--snapshot-date", later, csv_file("t.csv", twenty[1:])
    )
    assert result.exit_code == 2
    assert "snapshot_date: in the future" in result.stderr
    assert held(synced)["S-00"] is None


def test_an_invisible_character_in_the_involvement_changes_nothing(
    synced: Cli, csv_file: CsvFile, twenty: list[dict[str, str]]
) -> None:
    """The row is the same involvement as before, found by its key: not counted accepted and
    then left unwritten, nor its involvement ended."""
    tonight = [dict(row) for row in twenty]
    tonight[0]["involvement"] += "\u200b"
    tonight[1]["date_of_birth"] = "\ufeff" + tonight[1]["date_of_birth"]
    result = synced("sync", "--agency", "CSC-LDS", csv_file("tonight.csv", tonight))
    assert result.exit_code == 0, result.output
    assert "20 accepted (0 new, 2 changed, 18 unchanged) · 0 ended" in summary(result.stderr)
    assert held(synced)["S-00"] is None
