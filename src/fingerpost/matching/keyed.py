"""Keyed primitives: the only place the linkage secret touches a value.

- *tokens*: truncated HMAC-SHA256 of a labelled value, for exact comparisons and blocking keys;
- *Bloom filters*: the bigrams of a word hashed (HMAC) into a bit array, for fuzzy comparisons
  (Dice).

Each label has its own subkey, derived from the secret, so that equal values under two labels
never give equal tokens. Every result is a pure function of (secret, label, value), which is what
lets the caches below give exactly what computing afresh would (docs/adr/0031).
"""

import hashlib
import hmac
import struct
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = ["BLOOM_BITS", "BLOOM_BYTES", "TOKEN_BYTES", "KeyedHash", "dice"]

BLOOM_BITS = 1024
BLOOM_BYTES = BLOOM_BITS // 8
TOKEN_BYTES = 8
_BLOOM_HASHES = 15
_POSITIONS = struct.Struct(f">{_BLOOM_HASHES}H")  # the first 30 bytes of a bigram's HMAC
# Tokens of values that recur from child to child (names and their sounds, dates, postcodes) are
# kept, per label: a nation's nightly feed asks for the same ones all night. About 200 bytes each
# (the value, its token, the cache's links), so ~3 MiB a label when full, in every encoding
# process. At 65,536 a label, with nine blocking labels kept too, the caches held ~210 MiB a
# process and saved nothing measurable: a blocking value is seldom met twice (docs/adr/0050).
_TOKENS_KEPT = 1 << 14


def dice(a: int, b: int) -> float:
    """Dice coefficient of two Bloom filters: 1.0 for identical names, ~0 for unrelated."""
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 0.0


def _hmac_pads(key: bytes) -> tuple["_Hash", "_Hash"]:
    """SHA-256 states with HMAC's inner and outer key pads absorbed (RFC 2104)."""
    block = key.ljust(64, b"\0")  # keys are 32-byte HMAC outputs: never longer than a block
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


class KeyedHash:
    """Tokens and Bloom filters under one linkage secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the linkage secret must be at least 32 bytes")
        self._secret = secret
        self._subkeys: dict[str, bytes] = {}
        self._tokeners: dict[str, Callable[[str], bytes]] = {}
        self._bloom_pads: dict[str, tuple[_Hash, _Hash]] = {}
        self._positions = lru_cache(maxsize=65536)(self._bigram_positions)
        # Whole names too: an enquiry carries each name under every birth year in scope, and
        # common names come back all day (about 10 MiB when full).
        self._filters = lru_cache(maxsize=32768)(self._filter_of)

    def _subkey(self, label: str) -> bytes:
        key = self._subkeys.get(label)
        if key is None:
            key = hmac.new(self._secret, f"fingerpost/v1/{label}".encode(), hashlib.sha256).digest()
            self._subkeys[label] = key
        return key

    def tokener(self, label: str, *, kept: bool = True) -> Callable[[str], bytes]:
        """The token function of one label: `tokener(label)(value) == token(label, value)`.
        Hot loops take it once and call it, saving the label's look-up on every value. `kept`:
        remember recent results (values that recur); not for values all but unique."""
        name = label if kept else "!" + label
        made = self._tokeners.get(name)
        if made is None:
            made = _tokener(*_hmac_pads(self._subkey(label)))
            if kept:
                made = lru_cache(maxsize=_TOKENS_KEPT)(made)
            self._tokeners[name] = made
        return made

    def token(self, label: str, value: str) -> bytes:
        return self.tokener(label)(value)

    def block(self, label: str, value: str) -> int:
        """A blocking key: the token read as a signed 64-bit integer (how the hub indexes it)."""
        return int.from_bytes(self.tokener("block/" + label, kept=False)(value), "big", signed=True)

    def bloom(self, label: str, word: str) -> int:
        """The Bloom filter of `word`'s bigrams (with edge markers); 0 for no word."""
        return self._filters(label, word) if word else 0

    def _bigram_positions(self, label: str, gram: str) -> int:
        """The bits of one bigram: 15 positions, each two bytes of its HMAC modulo the size."""
        pads = self._bloom_pads.get(label)
        if pads is None:
            pads = self._bloom_pads[label] = _hmac_pads(self._subkey("bloom/" + label))
        inner, outer = pads[0].copy(), pads[1].copy()
        inner.update(gram.encode())
        outer.update(inner.digest())
        bits = 0
        for position in _POSITIONS.unpack_from(outer.digest()):
            bits |= 1 << (position % BLOOM_BITS)
        return bits

    def _filter_of(self, label: str, word: str) -> int:
        padded = f"_{word}_"
        bits = 0
        for i in range(len(padded) - 1):
            bits |= self._positions(label, padded[i : i + 2])
        return bits


def _tokener(inner: "_Hash", outer: "_Hash") -> Callable[[str], bytes]:
    """HMAC-SHA256 (RFC 2104) from the label's two keyed hash states, copied: the key pads are
    hashed once per label, and each token costs a few calls into OpenSSL and none into the hmac
    module's Python. Tokens are most of the cost of encoding a row."""
    copy_inner, copy_outer = inner.copy, outer.copy

    def token(value: str) -> bytes:
        hashed = copy_inner()
        hashed.update(value.encode())
        sealed = copy_outer()
        sealed.update(hashed.digest())
        return sealed.digest()[:TOKEN_BYTES]

    return token
