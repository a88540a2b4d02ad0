"""Use case: train the match model on the register itself (EM, no labels) and store it as a new
version, which every running hub picks up (`ModelStore`)."""

from __future__ import annotations

import math
import random
from dataclasses import replace

from fingerpost.audit.events import AuditAction, AuditEvent
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, NotFound
from fingerpost.domain.ids import new_id
from fingerpost.matching.encode import EncodedIdentity
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel
from fingerpost.matching.train import Training, train, training_sessions
from fingerpost.service.context import Context, reason
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
    # EM estimates m and u; the rise of `possible` is a policy an operator set: it carries over.
    training = replace(training, model=_keeping_policy(training.model, base))
    _store(
        ctx,
        training.model,
        ctx.event(
            actor,
            AuditAction.MODEL_TRAINED,
            result_count=training.candidate_pairs,
            detail={"model": version},
        ),
    )
    return training


def _store(ctx: Context, model: MatchModel, event: AuditEvent) -> None:
    """Store `model` as the newest version, with the event that says why, and use it here from
    now on (other hubs read it within REREAD_EVERY)."""
    body = model.to_json()
    with ctx.uow() as uow:
        uow.models.add(model.version, body)
        uow.audit.append(event)
        uow.commit()
    ctx.models.adopt(model, body)


def _keeping_policy(trained: MatchModel, current: MatchModel) -> MatchModel:
    return replace(
        trained,
        possible_rise=current.possible_rise,
        possible_reference_size=current.possible_reference_size,
    )


MOST_POSSIBLE_RISE = 2.0  # bits per doubling: twice `strong`'s own rise would hide most children


def set_possible_rise(ctx: Context, actor: Actor, rise: float, why: str) -> MatchModel:
    """How many more bits `possible` asks for each time the register doubles (docs/adr/0046).
    Every rise trades children missed for calls that lead nowhere: a choice for whoever answers
    for the service, not a tuning detail, so an operator makes it with a reason, audited. The
    model in use is stored again as a new version with only that changed; every hub reads it
    within REREAD_EVERY, as it reads a trained one."""
    check(actor, "model.set-possible-rise", ctx.policy)
    said = reason(why)
    if not math.isfinite(rise) or not 0 <= rise <= MOST_POSSIBLE_RISE:
        raise InvalidValue(
            f"the rise must be between 0 and {MOST_POSSIBLE_RISE:g} bits per doubling"
        )
    base = ctx.models.current()
    version = f"set-{ctx.clock():%Y%m%dT%H%M%S}-{new_id()[:6]}"
    changed = replace(base, version=version, possible_rise=rise)
    _store(
        ctx,
        changed,
        ctx.event(
            actor,
            AuditAction.MODEL_CHANGED,
            detail={
                "model": version,
                "from": base.version,
                "possible_rise": f"{base.possible_rise:g} -> {rise:g}",
                "reason": said,
            },
        ),
    )
    return changed
