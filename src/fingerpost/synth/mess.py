"""The small pieces of mess and invention the generator uses: test-range NHS numbers, typos,
diacritics lost."""

import random
import unicodedata
from collections.abc import Iterator

__all__ = ["nhs_numbers", "plain", "typo"]


_NHS_TEST_BODIES = 1_000_000  # the first nine digits of 999 000 0000 – 999 999 9999


def nhs_numbers(rng: random.Random) -> Iterator[str]:
    """Valid NHS numbers from the range reserved for test data (999 000 0000 – 999 999 9999),
    each once, in an order set by `rng`: the i-th body is a·i + b modulo the range's size, with
    `a` coprime to it, so none repeats and drawing never slows down. The range holds about
    909,000 valid numbers (a check digit of 10 is never issued); children made after that have
    none (""), as if it were unknown: a real number must never appear in invented data."""
    a = rng.randrange(1, _NHS_TEST_BODIES)
    while a % 2 == 0 or a % 5 == 0:
        a = rng.randrange(1, _NHS_TEST_BODIES)
    b = rng.randrange(_NHS_TEST_BODIES)
    for i in range(_NHS_TEST_BODIES):
        body = 999_000_000 + (a * i + b) % _NHS_TEST_BODIES
        digits = [int(d) for d in str(body)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        yield f"{body}{check}"
    while True:
        yield ""


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    match rng.randrange(4):
        case 0:
            return word[:i] + word[i + 1 :]
        case 1:
            return word[:i] + rng.choice(letters) + word[i:]
        case 2:
            return word[:i] + rng.choice(letters) + word[i + 1 :]
        case _:
            return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("Ł", "L").replace("ł", "l"))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))
