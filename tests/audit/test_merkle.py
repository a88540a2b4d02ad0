"""The audit log's Merkle tree follows RFC 9162: known roots, and proofs that verify exactly when
nothing was changed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fingerpost.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The reference inputs and tree heads of the Certificate Transparency test suite (RFC 6962 trees,
# which RFC 9162 keeps unchanged).
VECTOR_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_heads_match_the_reference_vectors(size: int) -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in VECTOR_LEAVES[:size]]
    assert root(leaves).hex() == VECTOR_ROOTS[size - 1]


def test_the_empty_tree_has_the_hash_of_nothing() -> None:
    assert root([]) == EMPTY_ROOT


leaves_strategy = st.lists(st.binary(max_size=8), min_size=1, max_size=70).map(
    lambda items: [leaf_hash(item + bytes([i % 256])) for i, item in enumerate(items)]
)


@given(leaves=leaves_strategy, data=st.data())
def test_every_inclusion_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = inclusion_proof(index, leaves)
    assert verify_inclusion(index, len(leaves), leaves[index], proof, root(leaves))


@given(leaves=leaves_strategy, data=st.data())
def test_an_inclusion_proof_fails_for_any_changed_leaf_or_proof(
    leaves: list[bytes], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = inclusion_proof(index, leaves)
    forged = leaf_hash(b"forged")
    assert not verify_inclusion(index, len(leaves), forged, proof, root(leaves))
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        tampered = [*proof]
        tampered[position] = forged
        assert not verify_inclusion(index, len(leaves), leaves[index], tampered, root(leaves))


@given(leaves=leaves_strategy, data=st.data())
def test_every_consistency_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    old_size = data.draw(st.integers(1, len(leaves)))
    proof = consistency_proof(old_size, leaves)
    assert verify_consistency(old_size, len(leaves), root(leaves[:old_size]), root(leaves), proof)


@given(leaves=leaves_strategy, data=st.data())
def test_a_rewritten_history_fails_consistency(leaves: list[bytes], data: st.DataObject) -> None:
    old_size = data.draw(st.integers(1, len(leaves)))
    changed = data.draw(st.integers(0, old_size - 1))
    rewritten = [*leaves]
    rewritten[changed] = leaf_hash(b"rewritten")
    proof = consistency_proof(old_size, rewritten)
    assert not verify_consistency(
        old_size, len(leaves), root(leaves[:old_size]), root(rewritten), proof
    )
