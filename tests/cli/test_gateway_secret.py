"""`fingerpost gateway secret new | export | import | fingerprint | recipient | pin`: the linkage
secret is made once, travels only sealed, and a gateway never silently swaps it (ADR 0027)."""

from __future__ import annotations

import base64
import json
import stat
from hashlib import sha256
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fingerpost.adapters import linkage
from fingerpost.adapters.keys import LINKAGE_FILE, LINKAGE_PIN_FILE, linkage_fingerprint
from fingerpost.entrypoints.cli import app

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lowest cost an import accepts: the tests check the format, not the hardness."""
    monkeypatch.setattr(linkage, "SCRYPT_N", 2**14)


def run(home: Path, *args: str | Path, passphrase: str | None = None) -> Result:
    env = {"FINGERPOST_HOME": str(home)}
    if passphrase is not None:
        env["FINGERPOST_LINKAGE_PASSPHRASE"] = passphrase
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def fingerprint_of(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.split("fingerprint ")[-1].split()[0]


@pytest.fixture
def first(tmp_path: Path) -> Path:
    """The gateway where the deployment's secret is made."""
    home = tmp_path / "leeds"
    assert run(home, "gateway", "secret", "new").exit_code == 0
    return home


def test_the_secret_is_made_once_private_and_never_printed(first: Path) -> None:
    secret = (first / LINKAGE_FILE).read_text().strip()
    assert stat.S_IMODE((first / LINKAGE_FILE).stat().st_mode) == 0o600
    again = run(first, "gateway", "secret", "new")
    assert again.exit_code == 2
    assert "already holds a linkage secret" in again.stderr
    assert (first / LINKAGE_FILE).read_text().strip() == secret  # not replaced
    shown = run(first, "gateway", "secret", "fingerprint")
    assert shown.stdout.startswith("fingerprint FP1-")
    assert secret not in shown.output
    assert secret not in again.output


def test_an_export_under_a_passphrase_carries_the_secret_to_another_gateway(
    first: Path, tmp_path: Path
) -> None:
    sealed = tmp_path / "secret.export"
    made = run(first, "gateway", "secret", "export", sealed, passphrase=PASSPHRASE)
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    secret = (first / LINKAGE_FILE).read_text().strip()
    assert secret not in sealed.read_text()
    header = json.loads(sealed.read_text())
    assert (header["format"], header["version"], header["sealing"]) == (
        "fingerpost linkage secret", 1, "passphrase",
    )  # fmt: skip
    assert header["kdf"]["name"] == "scrypt"

    second = tmp_path / "manchester"
    imported = run(second, "gateway", "secret", "import", sealed, passphrase=PASSPHRASE)
    assert fingerprint_of(imported) == fingerprint_of(
        run(first, "gateway", "secret", "fingerprint")
    )
    assert (second / LINKAGE_FILE).read_text().strip() == secret
    assert stat.S_IMODE((second / LINKAGE_FILE).stat().st_mode) == 0o600


def test_the_passphrase_may_come_from_a_file_and_never_from_the_command_line(
    first: Path, tmp_path: Path
) -> None:
    phrase = tmp_path / "phrase"
    phrase.write_text(PASSPHRASE + "\n")
    sealed = tmp_path / "secret.export"
    made = run(first, "gateway", "secret", "export", sealed, "--passphrase-file", phrase)
    assert made.exit_code == 0, made.output
    assert "--passphrase " not in run(first, "gateway", "secret", "export", "--help").stdout
    opened = run(tmp_path / "b", "gateway", "secret", "import", sealed, "--passphrase-file", phrase)
    assert opened.exit_code == 0, opened.output
    # No terminal and no passphrase given: refused rather than waiting for one.
    bare = run(first, "gateway", "secret", "export", tmp_path / "other.export")
    assert bare.exit_code == 2
    assert "no passphrase" in bare.stderr
    assert not (tmp_path / "other.export").exists()


def test_a_short_passphrase_a_wrong_one_and_an_altered_file_are_refused(
    first: Path, tmp_path: Path
) -> None:
    sealed = tmp_path / "secret.export"
    short = run(first, "gateway", "secret", "export", sealed, passphrase="too short")
    assert short.exit_code == 2
    assert "too short" in short.stderr
    assert not sealed.exists()
    run(first, "gateway", "secret", "export", sealed, passphrase=PASSPHRASE)
    second = tmp_path / "manchester"
    wrong = run(second, "gateway", "secret", "import", sealed, passphrase="a different phrase")
    assert wrong.exit_code == 2
    assert "does not open" in wrong.stderr
    body = json.loads(sealed.read_text())
    for field, value in (("fingerprint", "FP1-AAAA-AAAA-AAAA-AAAA"), ("created", "2020-01-01")):
        altered = tmp_path / f"altered-{field}"
        altered.write_text(json.dumps(body | {field: value}))
        result = run(second, "gateway", "secret", "import", altered, passphrase=PASSPHRASE)
        assert result.exit_code == 2, field
        assert "does not open" in result.stderr
    assert not (second / LINKAGE_FILE).exists()


def test_an_export_for_a_recipient_key_needs_no_passphrase_and_opens_only_there(
    first: Path, tmp_path: Path
) -> None:
    second, third = tmp_path / "manchester", tmp_path / "liverpool"
    key = run(second, "gateway", "secret", "recipient").stdout.strip()
    assert key.startswith("FPR1-")
    assert run(second, "gateway", "secret", "recipient").stdout.strip() == key  # kept
    sealed = tmp_path / "for-manchester.export"
    assert run(first, "gateway", "secret", "export", sealed, "--to", key).exit_code == 0
    assert json.loads(sealed.read_text())["sealing"] == "recipient"
    run(third, "gateway", "secret", "recipient")
    elsewhere = run(third, "gateway", "secret", "import", sealed)
    assert elsewhere.exit_code == 2
    assert "sealed for another recipient" in elsewhere.stderr
    imported = run(second, "gateway", "secret", "import", sealed)
    assert imported.exit_code == 0, imported.output
    assert (second / LINKAGE_FILE).read_bytes() == (first / LINKAGE_FILE).read_bytes()


def test_a_different_secret_is_replaced_only_with_a_stated_reason(
    first: Path, tmp_path: Path
) -> None:
    sealed = tmp_path / "secret.export"
    run(first, "gateway", "secret", "export", sealed, passphrase=PASSPHRASE)
    other = tmp_path / "other"
    mine = fingerprint_of(run(other, "gateway", "secret", "new"))
    theirs = fingerprint_of(run(first, "gateway", "secret", "fingerprint"))

    refused = run(other, "gateway", "secret", "import", sealed, passphrase=PASSPHRASE)
    assert refused.exit_code == 2
    assert mine in refused.stderr
    assert theirs in refused.stderr
    assert fingerprint_of(run(other, "gateway", "secret", "fingerprint")) == mine
    no_reason = run(
        other, "gateway", "secret", "import", sealed, "--replace", passphrase=PASSPHRASE
    )
    assert no_reason.exit_code == 2
    assert "--reason" in no_reason.stderr

    replaced = run(other, "gateway", "secret", "import", sealed, "--replace",
                   "--reason", "joined the Leeds deployment", passphrase=PASSPHRASE)  # fmt: skip
    assert fingerprint_of(replaced) == theirs
    [kept] = other.glob(f"{LINKAGE_FILE}.replaced-*")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    history = (other / linkage.HISTORY_FILE).read_text()
    assert f"replaced {mine} by {theirs}: joined the Leeds deployment" in history
    again = run(other, "gateway", "secret", "import", sealed, passphrase=PASSPHRASE)
    assert again.exit_code == 0  # the same secret again: nothing to do
    assert "already holds this secret" in again.stderr


def test_a_hub_pins_the_fingerprint_and_never_takes_the_secret(first: Path, tmp_path: Path) -> None:
    fingerprint = fingerprint_of(run(first, "gateway", "secret", "fingerprint"))
    hub = tmp_path / "hub"
    assert run(hub, "gateway", "secret", "pin", "FP1-nonsense").exit_code == 2
    assert run(hub, "gateway", "secret", "pin", fingerprint).exit_code == 0
    assert (hub / LINKAGE_PIN_FILE).read_text().strip() == fingerprint
    assert fingerprint_of(run(hub, "gateway", "secret", "fingerprint")) == fingerprint
    sealed = tmp_path / "secret.export"
    run(first, "gateway", "secret", "export", sealed, passphrase=PASSPHRASE)
    for args in (("new",), ("import", sealed)):
        refused = run(hub, "gateway", "secret", *args, passphrase=PASSPHRASE)
        assert refused.exit_code == 2, args
        assert "never holds the linkage secret" in refused.stderr
    assert not (hub / LINKAGE_FILE).exists()
    assert run(first, "gateway", "secret", "pin", fingerprint).exit_code == 2  # a gateway's home


def test_the_hub_operator_pins_with_hub_pin_and_the_old_command_still_works(
    first: Path, tmp_path: Path
) -> None:
    fingerprint = fingerprint_of(run(first, "gateway", "secret", "fingerprint"))
    hub, older = tmp_path / "hub", tmp_path / "older-hub"
    pinned = run(hub, "hub", "pin", fingerprint.lower())
    assert (pinned.exit_code, pinned.stdout.strip()) == (0, f"pinned {fingerprint}")
    assert (hub / LINKAGE_PIN_FILE).read_text().strip() == fingerprint
    other = linkage_fingerprint(bytes(32))
    assert "pinned to another secret" in run(hub, "hub", "pin", other).stderr
    assert run(first, "hub", "pin", fingerprint).exit_code == 2  # never beside the secret
    kept = run(older, "gateway", "secret", "pin", fingerprint)
    assert kept.exit_code == 0
    assert "now `fingerpost hub pin`" in kept.stderr
    assert (older / LINKAGE_PIN_FILE).read_text().strip() == fingerprint


def test_the_fingerprint_is_keyed_not_a_hash_anyone_can_make() -> None:
    secret = bytes(range(32))
    printed = linkage_fingerprint(secret)
    assert printed == linkage_fingerprint(bytes(range(32)))  # stable: operators compare it
    assert linkage_fingerprint(bytes(range(1, 33))) != printed
    plain = base64.b32encode(sha256(secret).digest()[:10]).decode()
    assert plain not in printed.replace("-", "")


def test_a_development_home_says_when_its_first_command_made_a_random_secret(
    tmp_path: Path,
) -> None:
    home = tmp_path / "dev"
    made = run(home, "init")
    assert made.exit_code == 0, made.output
    printed = fingerprint_of(run(home, "gateway", "secret", "fingerprint"))
    assert f"Made a new random linkage secret ({printed})" in made.stderr
    assert "match no deployment's" in made.stderr
    again = run(home, "agencies", "list")
    assert "linkage secret" not in again.stderr  # said once, when it was made
    imported = tmp_path / "imported"  # a secret imported first: nothing made, nothing said
    sealed = tmp_path / "secret.export"
    assert run(home, "gateway", "secret", "export", sealed, passphrase=PASSPHRASE).exit_code == 0
    assert (
        run(imported, "gateway", "secret", "import", sealed, passphrase=PASSPHRASE).exit_code == 0
    )
    assert "random linkage secret" not in run(imported, "init").stderr
