"""Use case: train the match model on the register itself (EM, no labels) and store it as a new
version, which every running hub picks up (`ModelStore`)."""

from __future__ import annotations

import random

from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import NotFound
from fingerpost.domain.ids import new_id
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel
from fingerpost.matching.train import Training, train, training_sessions
from fingerpost.service.context import Context
from fingerpost.service.permissions import check

__all__ = ["train_model"]


def _random_vectors(
    people: list[tuple[str, EncodedIdentity]],
    base: MatchModel,
    chooser: random.Random,
    pairs: int,
) -> list[tuple[int | None, ...]]:
    """Comparison vectors of random pairs across agencies: what non-matches look like."""
    vectors = []
    for _ in range(pairs):
        (agency_a, a), (agency_b, b) = chooser.sample(people, 2)
        if agency_a != agency_b:
            vectors.append(base.levels_of(a, b))
    return vectors


def train_model(
    ctx: Context, actor: Actor, *, sample: int = 20_000, random_pairs: int = 100_000
) -> Training:
    """Estimate m and u by EM on the register itself, store the model as a new version and
    use it from now on. No labels: see `fingerpost.matching.train`."""
    check(actor, "model.train", ctx.policy)
    base = ctx.models.current()
    with ctx.uow() as uow:
        people = uow.involvements.sample(sample)
    chooser = random.Random(len(people))  # noqa: S311 - sampling for estimation, not secrecy
    sessions = training_sessions(people, base, chooser)
    if len(people) < 2 or not any(session.vectors for session in sessions):
        raise NotFound("not enough registrations to train a model")
    random_vectors = _random_vectors(people, base, chooser, random_pairs)
    version = f"em-{ctx.clock():%Y%m%dT%H%M%S}-{new_id()[:6]}"
    training = train(sessions, random_vectors, DEFAULT_MODEL, version=version)
    body = training.model.to_json()
    with ctx.uow() as uow:
        uow.models.add(version, body)
        uow.audit.append(
            ctx.event(
                actor,
                AuditAction.MODEL_TRAINED,
                result_count=training.candidate_pairs,
                detail={"model": version},
            )
        )
        uow.commit()
    ctx.models.adopt(training.model, body)
    return training
