"""`fingerpost register --format fhir --agency CODE bundle.json`: the same exit statuses as a
register CSV — 0 every involvement accepted, 1 some refused (a batch: the others stored), 2 nothing
written (a transaction with any problem, or a file that is not a transaction or batch Bundle)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fhir_bundles import bundle, involvement_bundle, involvement_entries
from fingerpost.domain.actor import Actor

if TYPE_CHECKING:
    from cli.conftest import Cli

EPISODE, ROLE = 4, 2  # entry indices of `involvement_entries`


def write(tmp_path: Path, document: Any, name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def stored(cli: Cli) -> list[str]:
    with cli.installation() as fp:
        return [i.key.local_ref for i in fp.hub.list_involvements(Actor.system("CSC-LDS"))]


def register(cli: Cli, path: Path, *extra: str) -> Any:
    return cli("register", "--format", "fhir", "--agency", "CSC-LDS", path, *extra)


def test_a_valid_transaction_exits_0_and_registers_it(with_agencies: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, involvement_bundle(patient_fields={"local_ref": "LDS-1"}))
    result = register(with_agencies, path)
    assert result.exit_code == 0, result.output
    assert "1 involvements accepted (1 new, 0 updated, 0 unchanged)" in result.stderr
    assert stored(with_agencies) == ["LDS-1"]
    again = register(with_agencies, path)
    assert again.exit_code == 0
    assert "(0 new, 0 updated, 1 unchanged)" in again.stderr


def test_a_transaction_with_one_problem_exits_2_and_writes_nothing(
    with_agencies: Cli, tmp_path: Path
) -> None:
    document = bundle("transaction", involvement_entries() + involvement_entries()).model_dump(
        mode="json", exclude_none=True
    )
    del document["entry"][5 + ROLE]["resource"]["telecom"]
    errors = tmp_path / "errors.csv"
    result = register(with_agencies, write(tmp_path, document), "--errors", errors)
    assert result.exit_code == 2
    assert f"entry {5 + ROLE}: PractitionerRole.telecom:" in result.stderr
    assert "transaction refused: nothing written" in result.stderr
    assert stored(with_agencies) == []
    rows = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert [(r["entry"], r["expression"]) for r in rows] == [
        (str(5 + ROLE), f"Bundle.entry[{5 + ROLE}].resource.telecom")
    ]


def test_a_batch_with_one_problem_exits_1_and_stores_the_rest(
    with_agencies: Cli, tmp_path: Path
) -> None:
    good = involvement_entries(patient_fields={"local_ref": "GOOD"})
    bad = involvement_entries(patient_fields={"local_ref": "BAD"})
    document = bundle("batch", good + bad).model_dump(mode="json", exclude_none=True)
    document["entry"][5 + EPISODE]["resource"]["type"][0]["coding"][0]["code"] = "unknown"
    result = register(with_agencies, write(tmp_path, document))
    assert result.exit_code == 1
    assert f"entry {5 + EPISODE}: EpisodeOfCare.type: not one of" in result.stderr
    assert "1 involvements accepted" in result.stderr
    assert "1 rejected" in result.stderr
    assert stored(with_agencies) == ["GOOD"]


def test_a_file_that_is_not_an_intake_bundle_exits_2(with_agencies: Cli, tmp_path: Path) -> None:
    for document, words in (
        ("local_ref,involvement\n", "not JSON"),
        ({"resourceType": "Bundle", "type": "collection"}, "transaction or batch"),
        ({"resourceType": "Patient"}, "not a FHIR Bundle"),
    ):
        path = tmp_path / "in.json"
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        result = register(with_agencies, path)
        assert result.exit_code == 2
        assert words in result.stderr
    assert stored(with_agencies) == []


def test_a_dry_run_validates_and_writes_nothing(with_agencies: Cli, tmp_path: Path) -> None:
    result = register(with_agencies, write(tmp_path, involvement_bundle()), "--dry-run")
    assert result.exit_code == 0
    assert "1 valid (dry run: nothing written)" in result.stderr
    assert stored(with_agencies) == []


def test_csv_stays_the_default_format(with_agencies: Cli, tmp_path: Path) -> None:
    """A Bundle given without --format fhir is read as a CSV file (and refused as one)."""
    path = write(tmp_path, involvement_bundle())
    result = with_agencies("register", "--agency", "CSC-LDS", path)
    assert result.exit_code == 2
    assert stored(with_agencies) == []
