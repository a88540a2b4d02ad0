"""Estimating a match model from the registered data itself: production has no labels.

Following Fellegi–Sunter practice (as Splink does):
- u, the chance of each level between *different* children, is measured on random pairs of
  registrations, which are almost all non-matches;
- m, the chance of each level between records of the *same* child, and the share of matches (λ)
  are found by expectation–maximisation, with u held fixed, in *training sessions*: each session
  takes the pairs that agree exactly on some fields (the same date of birth; the same given and
  family names) and estimates m for the *other* fields only. Pairs chosen because they agree on a
  field say nothing about how often the same child's records agree on it, and EM over pairs
  blocked on many fields at once mistakes the non-matches blocking favours (brothers and sisters
  share a family name and an address) for matches: λ then runs to 1 and m to nonsense.

Identical comparison vectors are counted once with a multiplicity, so EM runs on a few thousand
distinct vectors whatever the size of the register. Thresholds stay the documented match weights
of the base model (docs/adr/0012): a posterior computed as if fields were independent over-counts
correlated evidence, so it cannot say what `strong` promises; the benchmark measures that instead.
"""

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace

from fingerpost.matching.encode import EncodedIdentity
from fingerpost.matching.score import Comparison, MatchModel

__all__ = ["Session", "Training", "Vector", "train", "training_sessions"]

Vector = tuple[int | None, ...]

_SMOOTHING = 0.5  # Laplace-style pseudo-count: no level is ever impossible
_PAIRS_PER_GROUP = 50  # a common name shared by many records must not swamp a session


@dataclass(frozen=True, slots=True)
class Session:
    """Pairs brought together by one training block. They agree on the `fixed` comparisons by
    construction, so those comparisons are left out of this session's estimate."""

    name: str
    fixed: frozenset[str]
    vectors: Sequence[Vector]


@dataclass(frozen=True, slots=True)
class Training:
    model: MatchModel
    prior: float  # λ of the first session: share of its pairs that are the same child
    priors: dict[str, float]  # λ per session
    iterations: int  # the most any session needed
    converged: bool  # every session converged
    candidate_pairs: int
    random_pairs: int


def _frequencies(
    vectors: Counter[Vector], comparisons: tuple[Comparison, ...], weights: dict[Vector, float]
) -> list[list[float]]:
    """Weighted share of each level per comparison, missing values left out, smoothed."""
    shares: list[list[float]] = []
    for index, comparison in enumerate(comparisons):
        counts = [_SMOOTHING] * len(comparison.levels)
        for vector, count in vectors.items():
            level = vector[index]
            if level is not None:
                counts[level] += count * weights.get(vector, 1.0)
        total = sum(counts)
        shares.append([c / total for c in counts])
    return shares


def _log_odds(
    vector: Vector, m: list[list[float]], u: list[list[float]], prior: float, active: list[int]
) -> float:
    odds = math.log(prior / (1 - prior))
    for index in active:
        level = vector[index]
        if level is not None:
            odds += math.log(m[index][level] / u[index][level])
    return odds


@dataclass(frozen=True, slots=True)
class _Fit:
    m: list[list[float]]
    prior: float
    matches: float  # expected number of matching pairs: how much this session's m is worth
    iterations: int
    converged: bool


def _em(  # noqa: PLR0917 - one session's inputs
    counts: Counter[Vector],
    comparisons: tuple[Comparison, ...],
    u: list[list[float]],
    active: list[int],
    max_iterations: int,
    tolerance: float,
) -> _Fit:
    m = [[level.m for level in c.levels] for c in comparisons]
    prior = 0.5
    total = sum(counts.values())
    posterior: dict[Vector, float] = {}
    for iteration in range(1, max_iterations + 1):
        # E: the probability that each distinct vector is a match, under the current m and λ.
        posterior = {
            vector: 1
            / (1 + math.exp(-max(-700.0, min(700.0, _log_odds(vector, m, u, prior, active)))))
            for vector in counts
        }
        # M: m from the match-weighted level counts; λ from the mean posterior.
        new_m = _frequencies(counts, comparisons, posterior)
        new_prior = sum(posterior[v] * n for v, n in counts.items()) / total
        new_prior = min(max(new_prior, 1e-6), 1 - 1e-6)
        change = max(
            abs(new_prior - prior),
            *(abs(a - b) for i in active for a, b in zip(new_m[i], m[i], strict=True)),
        )
        m, prior = new_m, new_prior
        if change < tolerance:
            return _Fit(m, prior, prior * total, iteration, converged=True)
    return _Fit(m, prior, prior * total, max_iterations, converged=False)


def train(
    sessions: Sequence[Session],
    randoms: Iterable[Vector],
    base: MatchModel,
    *,
    version: str,
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> Training:
    random_counts: Counter[Vector] = Counter(randoms)
    usable = [s for s in sessions if s.vectors]
    if not usable or not random_counts:
        raise ValueError("training needs candidate pairs and random pairs")
    comparisons = base.comparisons
    u = _frequencies(random_counts, comparisons, {})
    fits: dict[str, tuple[Session, _Fit]] = {}
    for session in usable:
        active = [i for i, c in enumerate(comparisons) if c.field not in session.fixed]
        fit = _em(Counter(session.vectors), comparisons, u, active, max_iterations, tolerance)
        fits[session.name] = (session, fit)
    trained = []
    for i, comparison in enumerate(comparisons):
        # m of a comparison: from the sessions that did not block on it, weighted by how many
        # matches each found; the base model's m if every session blocked on it.
        estimates = [
            (fit.matches, fit.m[i])
            for session, fit in fits.values()
            if comparison.field not in session.fixed and fit.matches > 0
        ]
        weight = sum(w for w, _ in estimates)
        levels = tuple(
            replace(
                level,
                m=sum(w * m[j] for w, m in estimates) / weight if weight else level.m,
                u=u[i][j],
            )
            for j, level in enumerate(comparison.levels)
        )
        trained.append(replace(comparison, levels=levels))
    model = replace(base, version=version, comparisons=tuple(trained))
    first = fits[usable[0].name][1]
    return Training(
        model=model,
        prior=first.prior,
        priors={name: fit.prior for name, (_, fit) in fits.items()},
        iterations=max(fit.iterations for _, fit in fits.values()),
        converged=all(fit.converged for _, fit in fits.values()),
        candidate_pairs=sum(len(s.vectors) for s in usable),
        random_pairs=sum(random_counts.values()),
    )


def _pairs_within(
    people: Sequence[tuple[str, EncodedIdentity]],
    key: Callable[[EncodedIdentity], Hashable | None],
    chooser: random.Random,
) -> list[tuple[EncodedIdentity, EncodedIdentity]]:
    """Pairs of records from different agencies that share `key`, at most a few per group."""
    groups: dict[Hashable, list[tuple[str, EncodedIdentity]]] = defaultdict(list)
    for agency, identity in people:
        value = key(identity)
        if value is not None:
            groups[value].append((agency, identity))
    pairs = []
    for members in groups.values():
        within = [
            (a, b)
            for i, (agency_a, a) in enumerate(members)
            for agency_b, b in members[i + 1 :]
            if agency_a != agency_b
        ]
        if len(within) > _PAIRS_PER_GROUP:
            within = chooser.sample(within, _PAIRS_PER_GROUP)
        pairs += within
    return pairs


def _same_names(identity: EncodedIdentity) -> tuple[int, int] | None:
    if not identity.given_bf or not identity.family_bf:
        return None
    return identity.given_bf, identity.family_bf


def training_sessions(
    people: Sequence[tuple[str, EncodedIdentity]], model: MatchModel, chooser: random.Random
) -> list[Session]:
    """The two training blocks: the same date of birth (estimates m for names, postcode, sex,
    NHS number), and the same given and family names (estimates m for the date of birth and the
    rest). `people` are (agency, encoding) of sampled registrations."""
    blocks: list[tuple[str, frozenset[str], Callable[[EncodedIdentity], Hashable | None]]] = [
        ("date of birth", frozenset({"dob"}), lambda identity: identity.dob),
        ("names", frozenset({"given", "family"}), _same_names),
    ]
    return [
        Session(
            name, fixed, [model.levels_of(a, b) for a, b in _pairs_within(people, key, chooser)]
        )
        for name, fixed, key in blocks
    ]
