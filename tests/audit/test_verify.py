"""Audit verification is a pure function over the stored rows (docs/adr/0030): hand-built logs,
tampered as a forger would, checked without a database. The SQL store only streams its rows
(tests/service/test_audit.py and test_tampering.py check it end to end)."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fingerpost.audit.events import AuditAction, AuditEvent, Checkpoint, leaf_for
from fingerpost.audit.merkle import root
from fingerpost.audit.verify import LoggedEvent, first_damaged, forged_head, verify_log
from fingerpost.domain.errors import InvalidValue

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def event(n: int) -> AuditEvent:
    return AuditEvent(
        action=AuditAction.ENQUIRY_MADE,
        actor=f"pc{n}@wmp.example",
        agency="WMP",
        at=START + timedelta(minutes=n),
        purpose="section 47 child protection enquiry",
        result_count=n % 3,
        detail={"disclosed": f"inv{n}"},
    )


def logged(size: int) -> list[LoggedEvent]:
    return [
        LoggedEvent(seq, event(seq), leaf_for(seq, event(seq)).hex()) for seq in range(1, size + 1)
    ]


def head(rows: list[LoggedEvent], size: int, key: Ed25519PrivateKey = KEY) -> Checkpoint:
    """The checkpoint signed after the first `size` events of an intact log."""
    leaves = [leaf_for(seq, event(seq)) for seq in range(1, size + 1)]
    unsigned = Checkpoint(size=size, root=root(leaves), at=START + timedelta(hours=size))
    return replace(unsigned, signature=key.sign(unsigned.message()))


def verify(
    rows: list[LoggedEvent], heads: list[Checkpoint], witnesses: tuple[Checkpoint, ...] = ()
) -> int | None:
    return verify_log(iter(rows), lambda: iter(heads), PUBLIC, witnesses)


ROWS = logged(10)
HEADS = [head(ROWS, size) for size in (3, 4, 8, 10)]


def test_an_intact_log_verifies() -> None:
    assert verify(ROWS, HEADS) is None


def test_an_empty_log_with_no_checkpoint_verifies() -> None:
    assert verify([], []) is None


def test_an_edited_row_is_found_at_its_sequence_number() -> None:
    rows = list(ROWS)
    rows[5] = replace(rows[5], event=replace(rows[5].event, purpose="routine check"))
    assert verify(rows, HEADS) == 6


def test_an_edited_row_whose_leaf_was_recomputed_too_is_found_by_the_next_checkpoint() -> None:
    rows = list(ROWS)
    edited = replace(rows[5].event, result_count=2)
    rows[5] = LoggedEvent(6, edited, leaf_for(6, edited).hex())
    # Events 5..8 are under the checkpoint of size 8, the first whose root no longer agrees.
    assert verify(rows, HEADS) == 5


def test_a_deleted_row_is_found_where_the_sequence_breaks() -> None:
    assert verify(ROWS[:6] + ROWS[7:], HEADS) == 7


def test_rows_swapped_are_found_at_the_first_of_them() -> None:
    rows = list(ROWS)
    rows[2], rows[6] = (
        LoggedEvent(3, rows[6].event, rows[6].leaf),
        LoggedEvent(7, rows[2].event, rows[2].leaf),
    )
    assert verify(rows, HEADS) == 3


def test_rows_out_of_order_are_found() -> None:
    rows = list(ROWS)
    rows[3], rows[4] = rows[4], rows[3]
    assert verify(rows, HEADS) == 4


def test_a_forged_checkpoint_is_found_at_its_size() -> None:
    forged = replace(HEADS[2], root=bytes(32))
    assert verify(ROWS, [HEADS[0], HEADS[1], forged, HEADS[3]]) == 8
    assert forged_head([HEADS[0], forged], PUBLIC) == 8


def test_a_checkpoint_signed_with_another_key_is_forged() -> None:
    other = head(ROWS, 10, Ed25519PrivateKey.generate())
    assert verify(ROWS, [*HEADS[:3], other]) == 10


def test_the_newest_rows_deleted_are_found_through_the_checkpoint_left_behind() -> None:
    assert verify(ROWS[:9], HEADS) == 10


def test_rows_appended_with_no_signed_checkpoint_are_found() -> None:
    assert verify(logged(12), HEADS) == 11


def test_a_truncation_that_took_its_checkpoints_is_found_through_a_kept_witness() -> None:
    assert verify(ROWS[:6], HEADS[:2]) == 5  # rows 5 and 6 with no checkpoint over them
    assert verify(ROWS[:4], HEADS[:2]) is None  # a clean cut: the store alone cannot tell
    assert verify(ROWS[:4], HEADS[:2], (HEADS[2],)) == 5


def test_a_witness_that_disagrees_with_the_log_is_found() -> None:
    earlier = list(ROWS)
    earlier[1] = replace(earlier[1], event=replace(earlier[1].event, actor="someone"))
    witness = head(ROWS, 3)
    rewritten = [LoggedEvent(r.seq, r.event, leaf_for(r.seq, r.event).hex()) for r in earlier]
    leaves = [bytes.fromhex(r.leaf) for r in rewritten]
    resigned = []
    for size in (4, 8, 10):
        unsigned = Checkpoint(size=size, root=root(leaves[:size]), at=START)
        resigned.append(replace(unsigned, signature=KEY.sign(unsigned.message())))
    # A log rewritten and signed again (with the stolen key) still fails the witness kept outside.
    assert verify(rewritten, resigned) is None
    assert verify(rewritten, resigned, (witness,)) == 1


def test_a_witness_not_signed_by_the_service_is_refused() -> None:
    with pytest.raises(InvalidValue, match="not signed by this service"):
        verify(ROWS, HEADS, (head(ROWS, 4, Ed25519PrivateKey.generate()),))


def test_rows_and_checkpoints_are_read_once_each_as_streams() -> None:
    read: list[int] = []

    def stream() -> Iterator[LoggedEvent]:
        for row in logged(5000):
            read.append(row.seq)
            yield row

    heads = [head(logged(5000), 5000)]
    assert first_damaged(stream(), iter(heads)) is None
    assert read == list(range(1, 5001))
