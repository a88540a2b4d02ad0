"""Estimating a match model from the registered data itself: production has no labels.

Following Fellegi–Sunter practice (as Splink does):
- u, the chance of each level between *different* children, is measured on random pairs of
  registrations, which are almost all non-matches;
- m, the chance of each level between records of the *same* child, and the share of matches among
  blocked candidate pairs (λ), are found by expectation–maximisation over the candidate pairs that
  blocking produces, with u held fixed.

Identical comparison vectors are counted once with a multiplicity, so EM runs on a few thousand
distinct vectors whatever the size of the register.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from fingerpost.matching.score import Comparison, MatchModel

__all__ = ["POSSIBLE_PROBABILITY", "STRONG_PROBABILITY", "Training", "Vector", "train"]

Vector = tuple[int | None, ...]

# What `strong` and `possible` promise, as a probability that the pair is the same child given the
# evidence and the share of matches among candidates (docs/adr/0005).
STRONG_PROBABILITY = 0.995
POSSIBLE_PROBABILITY = 0.2

_SMOOTHING = 0.5  # Laplace-style pseudo-count: no level is ever impossible


@dataclass(frozen=True, slots=True)
class Training:
    model: MatchModel
    prior: float  # λ: share of candidate pairs that are the same child
    iterations: int
    converged: bool
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


def _log_odds(vector: Vector, m: list[list[float]], u: list[list[float]], prior: float) -> float:
    odds = math.log(prior / (1 - prior))
    for index, level in enumerate(vector):
        if level is not None:
            odds += math.log(m[index][level] / u[index][level])
    return odds


def _threshold(probability: float, prior: float) -> float:
    """The match weight (bits, excluding the prior) at which the posterior reaches `probability`."""
    return math.log2(probability / (1 - probability)) - math.log2(prior / (1 - prior))


def train(
    candidates: Iterable[Vector],
    randoms: Iterable[Vector],
    base: MatchModel,
    *,
    version: str,
    max_iterations: int = 100,
    tolerance: float = 1e-7,
) -> Training:
    candidate_counts: Counter[Vector] = Counter(candidates)
    random_counts: Counter[Vector] = Counter(randoms)
    if not candidate_counts or not random_counts:
        raise ValueError("training needs candidate pairs and random pairs")
    comparisons = base.comparisons
    u = _frequencies(random_counts, comparisons, {})
    m = [[level.m for level in c.levels] for c in comparisons]
    prior = 0.5
    total = sum(candidate_counts.values())
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported after the loop
        # E: the probability that each distinct vector is a match, under the current m and λ.
        posterior = {
            vector: 1 / (1 + math.exp(-max(-700.0, min(700.0, _log_odds(vector, m, u, prior)))))
            for vector in candidate_counts
        }
        # M: m from the match-weighted level counts; λ from the mean posterior.
        new_m = _frequencies(candidate_counts, comparisons, posterior)
        new_prior = sum(posterior[v] * n for v, n in candidate_counts.items()) / total
        new_prior = min(max(new_prior, 1e-6), 1 - 1e-6)
        change = max(
            abs(new_prior - prior),
            *(
                abs(a - b)
                for row_new, row in zip(new_m, m, strict=True)
                for a, b in zip(row_new, row, strict=True)
            ),
        )
        m, prior = new_m, new_prior
        if change < tolerance:
            converged = True
            break
    trained = tuple(
        replace(
            comparison,
            levels=tuple(
                replace(level, m=m[i][j], u=u[i][j]) for j, level in enumerate(comparison.levels)
            ),
        )
        for i, comparison in enumerate(comparisons)
    )
    model = MatchModel(
        version=version,
        comparisons=trained,
        strong_at=_threshold(STRONG_PROBABILITY, prior),
        possible_at=_threshold(POSSIBLE_PROBABILITY, prior),
    )
    return Training(
        model=model,
        prior=prior,
        iterations=iteration,
        converged=converged,
        candidate_pairs=total,
        random_pairs=sum(random_counts.values()),
    )
