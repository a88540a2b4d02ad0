"""An encoder remembers only keyed values that recur, and boundedly: every encoding process holds
its own caches, and a million-row feed must fit in 1 GiB (docs/adr/0050)."""

from __future__ import annotations

from datetime import date

import pytest

from fingerpost.gateway.secret import Gateway
from fingerpost.matching import keyed
from fingerpost.matching.normalise import ChildIdentity

TODAY = date(2026, 11, 1)


def _child(n: int) -> ChildIdentity:
    return ChildIdentity(
        given_names=f"Olivia{'a' * (n % 7)} May",
        family_name=f"Harrison{'x' * (n % 5)}",
        other_names=(),
        date_of_birth=date(2010 + n % 12, 1 + n % 12, 1 + n % 28),
        sex="f",
        postcode=f"LS{n % 20} 3HN",
        nhs_number="9434765919",
    )


def _kept(gateway: Gateway) -> dict[str, int]:
    """Each remembering token function's label and how many tokens it may hold."""
    tokeners = gateway._encoder._keyed._tokeners  # the caches are the subject
    return {
        label: made.cache_info().maxsize  # type: ignore[attr-defined]
        for label, made in tokeners.items()
        if hasattr(made, "cache_info")
    }


def test_no_blocking_key_or_nhs_number_token_is_kept() -> None:
    gateway = Gateway(b"k" * 32)
    for n in range(30):
        gateway.encode(_child(n), today=TODAY, wide=n % 2 == 0)
    kept = _kept(gateway)
    assert kept, "names, dates and postcodes recur: their tokens are kept"
    assert not [label for label in kept if label.startswith("block/")]
    assert "nhs" not in kept
    assert all(size == keyed._TOKENS_KEPT for size in kept.values())


def test_an_evicted_token_is_made_again_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    roomy = [Gateway(b"k" * 32).encode(_child(n), today=TODAY) for n in range(12)]
    monkeypatch.setattr(keyed, "_TOKENS_KEPT", 2)  # every cache evicts all the time
    cramped = Gateway(b"k" * 32)
    again = [cramped.encode(_child(n), today=TODAY) for n in (*range(12), *range(12))]
    assert again == roomy + roomy
    assert [q.identity.to_stored() for q in again[12:]] == [q.identity.to_stored() for q in roomy]
