"""An RFC 9162 (Certificate Transparency v2) Merkle tree: tree head, inclusion and consistency
proofs, and their verification. Pure functions over leaf hashes; storage lives elsewhere.

Leaves and interior nodes are domain-separated (0x00 / 0x01 prefixes) so that no interior node can
be passed off as a leaf (RFC 9162 §2.1.1).
"""

import hashlib
from collections.abc import Sequence

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first.

    O(log n) to append a leaf and to compute the tree head, so a log can sign a checkpoint on
    every append without rereading its history.
    """

    def __init__(self, nodes: Sequence[tuple[int, bytes]] = ()) -> None:
        self._nodes = list(nodes)

    @property
    def size(self) -> int:
        return sum(size for size, _ in self._nodes)

    def append(self, leaf: bytes) -> None:
        # Merge equal-sized subtrees, like carrying in a binary counter.
        size, node = 1, leaf
        while self._nodes and self._nodes[-1][0] == size:
            left_size, left = self._nodes.pop()
            size, node = left_size + size, node_hash(left, node)
        self._nodes.append((size, node))

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        node = self._nodes[-1][1]
        for _, left in reversed(self._nodes[:-1]):
            node = node_hash(left, node)
        return node

    def to_json(self) -> list[list[int | str]]:
        return [[size, node.hex()] for size, node in self._nodes]

    @classmethod
    def from_json(cls, nodes: Sequence[Sequence[int | str]]) -> "Frontier":
        return cls([(int(size), bytes.fromhex(str(node))) for size, node in nodes])


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes, in O(n) without recursion."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of size {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1."""
    n = len(leaves)
    if not 0 < old_size <= n:
        raise ValueError(f"no consistency proof from size {old_size} to size {n}")
    return _subproof(old_size, leaves, complete=True)


def _subproof(m: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete=complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], complete=False), root(leaves[:k])]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == expected_root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
