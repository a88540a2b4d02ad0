"""`fingerpost synth --names`: where the invented children's names come from (docs/adr/0039)."""

from datetime import date
from pathlib import Path

from cli.conftest import Cli
from fingerpost.synth import write_dataset

ARGS = ("--seed", "3", "--children", "60", "--enquiries", "5", "--as-of", "2026-11-01")


def test_names_chooses_the_source_and_gives_what_write_dataset_gives(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("synth", tmp_path / "cli", *ARGS, "--names", "locales").exit_code == 0
    write_dataset(
        tmp_path / "direct",
        seed=3,
        children=60,
        enquiries=5,
        as_of=date(2026, 11, 1),
        names="locales",
    )
    for made in sorted((tmp_path / "direct").iterdir()):
        assert (tmp_path / "cli" / made.name).read_bytes() == made.read_bytes()


def test_the_own_world_has_realistic_names_unless_told_otherwise(cli: Cli, tmp_path: Path) -> None:
    assert cli("synth", tmp_path / "default", *ARGS).exit_code == 0
    assert cli("synth", tmp_path / "realistic", *ARGS, "--names", "realistic").exit_code == 0
    assert cli("synth", tmp_path / "locales", *ARGS, "--names", "locales").exit_code == 0
    truth = "register-MAN-CSC.csv"
    default = (tmp_path / "default" / truth).read_bytes()
    assert default == (tmp_path / "realistic" / truth).read_bytes()
    assert default != (tmp_path / "locales" / truth).read_bytes()


def test_an_unknown_name_source_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("synth", tmp_path / "out", *ARGS, "--names", "klingon")
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()
