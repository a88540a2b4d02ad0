"""What the hub checks of a gateway beyond its token (ADR 0034): that it encodes with the hub's
linkage secret — a gateway holding another one would fill the register with encodings nobody
can match — and that only a gateway granted it sends batch enquiries, within a daily quota."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from conftest import PURPOSE, Scenario, make_register_row
from fingerpost.adapters.db.gateways import SqlGatewayDirectory
from fingerpost.adapters.keys import linkage_fingerprint
from fingerpost.adapters.linkage import HomeLinkagePin
from fingerpost.adapters.service_tokens import ServiceTokenReader, ServiceTokenSigner
from fingerpost.audit.events import AuditAction
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import LimitExceeded, PermissionDenied
from fingerpost.service.gateways import Gateways as Registry
from fingerpost.service.gateways import LinkageMismatch
from fingerpost.service.unavailable import GatewayNotTrusted
from wire.conftest import LEEDS, OPERATOR, Gateways

QUOTA = 3
OTHER = linkage_fingerprint(b"another deployment's secret".ljust(32, b"."))


@pytest.fixture
def settings(home: Path, database_url: str) -> Settings:
    return Settings(home=home, database_url=database_url, gateway_batch_rows_per_day=QUOTA)


def _refusals(scenario: Scenario) -> list[dict[str, str]]:
    """The gateways refused, newest first."""
    with scenario.fp.unit_of_work() as uow:
        return [e.detail for e in uow.audit.read(action=AuditAction.GATEWAY_REFUSED.value)]


def test_a_gateway_with_another_linkage_secret_is_refused_409_and_audited(
    gateways: Gateways, scenario: Scenario
) -> None:
    stray = gateways.remote("stray-gw", gateways.add("stray-gw", LEEDS), linkage_fingerprint=OTHER)
    admin = Actor.system(LEEDS)
    row = make_register_row()
    with pytest.raises(GatewayNotTrusted, match="stray-gw is refused"):
        stray.register(admin, [scenario.registration(row, wide=False)])
    assert scenario.count("involvements") == 0
    (refusal,) = _refusals(scenario)
    assert refusal | {"gateway": "stray-gw", "reason": "linkage-mismatch"} == refusal
    assert refusal["presented"] == OTHER
    with pytest.raises(GatewayNotTrusted):  # its reads of the directory too: it fails at start
        stray.agencies()
    assert len(_refusals(scenario)) == 2


def test_a_gateway_naming_no_linkage_secret_is_refused(
    gateways: Gateways, scenario: Scenario, hub_url: str
) -> None:
    token = ServiceTokenSigner("old-gw", gateways.add("old-gw", LEEDS)).mint(Actor.system(LEEDS))
    response = httpx.get(f"{hub_url}/hub/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()["code"]) == (409, "linkage-mismatch")
    assert "names no linkage secret" in response.json()["detail"]
    assert _refusals(scenario)[0]["presented"] == "none"


def test_a_hub_not_yet_pinned_takes_the_first_gateways_secret_and_refuses_another(
    gateways: Gateways, scenario: Scenario, tmp_path: Path
) -> None:
    fp = scenario.fp
    hub_home = tmp_path / "hub-home"  # a hub's home: no linkage secret, nothing pinned
    hub_home.mkdir()
    registry = Registry(
        SqlGatewayDirectory(fp.engine),
        fp.hub,
        ServiceTokenReader(),
        fp.clock,
        linkage=HomeLinkagePin(hub_home),
    )
    first, second = gateways.add("first-gw", LEEDS), gateways.add("second-gw", LEEDS)
    admin = Actor.system(LEEDS)
    ours = gateways.fingerprint
    registry.admit(ServiceTokenSigner("first-gw", first, linkage_fingerprint=ours).mint(admin))
    assert (hub_home / "linkage.fingerprint").read_text().strip() == ours
    with pytest.raises(LinkageMismatch):
        registry.admit(
            ServiceTokenSigner("second-gw", second, linkage_fingerprint=OTHER).mint(admin)
        )
    with fp.unit_of_work() as uow:
        (pinned,) = uow.audit.read(action=AuditAction.LINKAGE_PINNED.value)
    assert pinned.detail | {"gateway": "first-gw", "fingerprint": ours} == pinned.detail


def test_batches_need_the_gateways_permission_then_stay_within_its_daily_quota(
    gateways: Gateways, scenario: Scenario
) -> None:
    admin = Actor.system(LEEDS)  # an agency administrator signed in strongly: may use batches
    leeds = gateways.remote("leeds-gw", gateways.add("leeds-gw", LEEDS))
    with pytest.raises(PermissionDenied, match="may not send batch enquiries"):
        leeds.enquire_many(admin, PURPOSE, [scenario.query()], batch=True)
    assert _refusals(scenario)[0]["reason"] == "batch-not-permitted"

    gateways.fp.gateways.allow_batches(OPERATOR, "leeds-gw", True)
    assert len(leeds.enquire_many(admin, PURPOSE, [scenario.query()] * 2, batch=True)) == 2
    with pytest.raises(LimitExceeded, match=f"may send {QUOTA} batch enquiries a day"):
        leeds.enquire_many(admin, PURPOSE, [scenario.query()] * 2, batch=True)
    assert (
        _refusals(scenario)[0] | {"reason": "batch-quota", "allowed": str(QUOTA)}
        == (_refusals(scenario)[0])
    )
    assert len(leeds.enquire_many(admin, PURPOSE, [scenario.query()], batch=True)) == 1

    gateways.fp.gateways.allow_batches(OPERATOR, "leeds-gw", False)
    with pytest.raises(PermissionDenied):
        leeds.enquire_many(admin, PURPOSE, [scenario.query()], batch=True)
    # Interactive enquiries are not batches: the quota and the permission leave them alone.
    assert leeds.enquire(admin, PURPOSE, scenario.query()) is not None
