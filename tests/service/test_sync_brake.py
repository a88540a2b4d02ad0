"""The safety brake of a snapshot sync: a snapshot may end up to the configured share of the
agency's open involvements — exactly that share included — and not one more."""

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from fingerpost.deployables.remote_sync import RemoteSnapshots
from fingerpost.domain.errors import MassEnd
from fingerpost.service.sync import SnapshotSync, SyncCounts

SHARES = ["0.05", "0.1", "0.125", "0.2", "0.3", "0.35", "0.5", "0.7", "0.9"]


def hub_side(share: float) -> SnapshotSync:
    def no_database() -> None:
        raise AssertionError("the brake reads nothing")

    return SnapshotSync(
        no_database,  # type: ignore[arg-type]
        clock=lambda: datetime.now(UTC),
        retention_months=12,
        max_end_share=share,
    )


def gateway_side(share: float) -> RemoteSnapshots:
    return RemoteSnapshots(None, max_end_share=share)  # type: ignore[arg-type]


@pytest.mark.parametrize("side", [hub_side, gateway_side])
@pytest.mark.parametrize("share", SHARES)
def test_exactly_the_share_is_allowed_and_one_more_refused(side: object, share: str) -> None:
    """0.35 × 180 is 62.99999999999999 in floating point: 63 of 180 was refused as more than
    35 %."""
    brake = side(float(share))  # type: ignore[operator]
    for open_before in range(1, 1001):
        exactly = Fraction(share) * open_before
        if exactly.denominator != 1:
            continue
        allowed = int(exactly)
        brake.check_brake(SyncCounts(to_end=allowed, open_before=open_before), allow_mass_end=False)
        with pytest.raises(MassEnd):
            brake.check_brake(
                SyncCounts(to_end=allowed + 1, open_before=open_before), allow_mass_end=False
            )


def test_the_refusal_states_the_share_as_configured() -> None:
    refused = r"would end 3 of the agency's 16 open involvements, more than 12\.5%"
    with pytest.raises(MassEnd, match=refused):
        hub_side(0.125).check_brake(SyncCounts(to_end=3, open_before=16), allow_mass_end=False)
