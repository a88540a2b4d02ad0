"""`fingerpost gateway keys new` at a gateway and `fingerpost hub gateways add | list | revoke`
at the hub: the gateway keeps its private key to itself; the hub registers the public half with
the agencies the gateway may act for (ADR 0026)."""

from __future__ import annotations

import stat
from pathlib import Path

from cli.conftest import Cli
from fingerpost.adapters.service_tokens import KEY_FILE, PUBLIC_FILE
from fingerpost.audit.events import AuditAction


def test_a_gateway_makes_its_key_pair_once(tmp_path: Path) -> None:
    gateway = Cli(tmp_path / "gateway-home")
    made = gateway("gateway", "keys", "new")
    assert made.exit_code == 0, made.output
    public = made.stdout.strip()
    assert public.startswith("ed25519:")
    private = gateway.home / KEY_FILE
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (gateway.home / PUBLIC_FILE).read_text().strip() == public
    before = private.read_bytes()
    again = gateway("gateway", "keys", "new")
    assert again.exit_code == 2
    assert "already holds a service-token key" in again.stderr
    assert private.read_bytes() == before  # never replaced: the hub knows its public half


def test_the_hub_registers_lists_and_revokes_gateways(with_agencies: Cli, tmp_path: Path) -> None:
    hub = with_agencies
    gateway = Cli(tmp_path / "gateway-home")
    assert gateway("gateway", "keys", "new").exit_code == 0
    public = gateway.home / PUBLIC_FILE

    added = hub("hub", "gateways", "add", "leeds-gw", "--agencies", "CSC-LDS,GMP",
                "--public-key", public)  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = hub("hub", "gateways", "list")
    assert listed.exit_code == 0
    header, row = listed.stdout.strip().splitlines()
    assert header.split("\t")[:2] == ["name", "agencies"]
    name, agencies, _, revoked, key, batch = row.split("\t")
    assert (name, agencies, revoked, key, batch) == (
        "leeds-gw",
        "CSC-LDS,GMP",
        "",
        public.read_text().strip(),
        "no",  # batch enquiries: off unless granted (ADR 0034)
    )

    twice = hub("hub", "gateways", "add", "leeds-gw", "--agencies", "GMP", "--public-key", public)
    assert twice.exit_code == 2
    assert hub("hub", "gateways", "revoke", "leeds-gw").exit_code == 0
    assert hub("hub", "gateways", "list").stdout.strip().splitlines()[1].split("\t")[3] != ""
    assert hub("hub", "gateways", "revoke", "leeds-gw").exit_code == 2

    with hub.installation() as fp, fp.unit_of_work() as uow:
        actions = [e.action for e in uow.audit.read(limit=10)]
    assert AuditAction.GATEWAY_ADDED in actions
    assert AuditAction.GATEWAY_REVOKED in actions


def test_a_gateway_is_refused_for_an_unknown_agency_or_a_bad_key(
    with_agencies: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.pub"
    bad.write_text("ed25519:not-a-key\n")
    good = tmp_path / "gateway-home"
    assert Cli(good)("gateway", "keys", "new").exit_code == 0
    unknown = with_agencies("hub", "gateways", "add", "x-gw", "--agencies", "NOPE",
                            "--public-key", good / PUBLIC_FILE)  # fmt: skip
    assert (unknown.exit_code, "unknown agency codes: NOPE" in unknown.stderr) == (2, True)
    garbled = with_agencies("hub", "gateways", "add", "x-gw", "--agencies", "GMP",
                            "--public-key", bad)  # fmt: skip
    assert (garbled.exit_code, "public key" in garbled.stderr) == (2, True)


def test_the_hub_grants_and_withdraws_a_gateways_batch_permission(
    with_agencies: Cli, tmp_path: Path
) -> None:
    hub = with_agencies
    gateway = Cli(tmp_path / "gateway-home")
    assert gateway("gateway", "keys", "new").exit_code == 0
    public = gateway.home / PUBLIC_FILE

    def batch() -> str:
        return str(hub("hub", "gateways", "list").stdout.strip().splitlines()[1].split("\t")[5])

    added = hub("hub", "gateways", "add", "leeds-gw", "--agencies", "CSC-LDS",
                "--public-key", public, "--batch")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "may send batch enquiries" in added.stderr
    assert batch() == "yes"
    assert hub("hub", "gateways", "batch", "leeds-gw", "--deny").exit_code == 0
    assert batch() == "no"
    assert hub("hub", "gateways", "batch", "leeds-gw", "--allow").exit_code == 0
    assert batch() == "yes"
    assert hub("hub", "gateways", "batch", "bradford-gw", "--allow").exit_code == 2

    with hub.installation() as fp, fp.unit_of_work() as uow:
        changed = uow.audit.read(action=AuditAction.GATEWAY_CHANGED.value, limit=10)
    assert [e.detail["batch"] for e in changed] == ["yes", "no"]  # newest first
