"""Which data tuning may read, and which is held out (docs/adr/0023).

Every figure the benchmark (`bench/`) prints says which it is. A *tuning* figure may be read pair by pair to
find what the matcher gets wrong; a *held-out* figure is only ever reported: nobody reads its
misses, and no threshold, u value, rule or blocking key is chosen by looking at it. Once a
held-out figure has guided a change it is tuning data, and a new held-out seed range is chosen.

- Generated worlds (`fingerpost.synth.WORLDS`): seeds 100–199 are held out, in every world;
  every other seed is tuning. Seeds 1–3 of the own world are what ADRs 0012–0016 were chosen on.
- FEBRL4 was read pair by pair for ADR 0015's addendum: it is tuning. FEBRL 1–3 are held out.
"""

__all__ = ["HELD_OUT", "HELD_OUT_SEEDS", "TUNING", "febrl_split", "split_of"]

TUNING = "tuning"
HELD_OUT = "held out"
HELD_OUT_SEEDS = range(100, 200)
_FEBRL_TUNING = frozenset({4})


def split_of(seed: int) -> str:
    """The split a generated dataset of `seed` belongs to (the same in every world)."""
    return HELD_OUT if seed in HELD_OUT_SEEDS else TUNING


def febrl_split(number: int) -> str:
    return TUNING if number in _FEBRL_TUNING else HELD_OUT
