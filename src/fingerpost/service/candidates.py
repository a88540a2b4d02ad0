"""Which registered involvements are worth a signpost for an encoded child: the rules shared by
enquiries and subject access (strong first, then by evidence; a common name's namesakes left
out). The weight orders the results but is never shown."""

from __future__ import annotations

from fingerpost.domain.vocabulary import Confidence
from fingerpost.matching import frequency
from fingerpost.matching.encode import EncodedQuery
from fingerpost.matching.score import MatchModel, NameFrequency, Verdict, score
from fingerpost.service.ports import UnitOfWork
from fingerpost.service.records import Candidate, Reached

__all__ = ["MOST_CANDIDATES", "matches", "verdicts"]

# An enquiry scores at most this many candidates, those sharing the most blocking keys with it:
# a common name with a common date reaches more involvements as the register grows, and a true
# match shares many keys (docs/adr/0013).
MOST_CANDIDATES = 64


def verdicts(
    model: MatchModel,
    child: EncodedQuery,
    candidates: list[Reached],
    names: NameFrequency | None = None,
) -> list[tuple[Reached, Verdict]]:
    scored = (
        (reached, score(child.probe, reached.identity, model, names)) for reached in candidates
    )
    return [(reached, verdict) for reached, verdict in scored if verdict is not None]


def matches(
    uow: UnitOfWork,
    model: MatchModel,
    child: EncodedQuery,
    *,
    exclude_agency: str,
    names_alone_at_most: int,
) -> list[tuple[Candidate, Verdict]]:
    """The involvements worth a signpost under `model` (sized for the register), strong first,
    then by evidence."""
    weighs_names = bool(model.register_size) and model.frequency_bounds != (0.0, 0.0)
    tokens = frequency.probe_tokens(child) if weighs_names else None
    candidates = uow.involvements.candidates(
        child.probe_keys,
        exclude_agency,
        most=MOST_CANDIDATES,
        counted=tokens.all() if tokens is not None else (),
    )
    names = (
        model.name_frequency(tokens, uow.involvements.count_each)
        if tokens is not None and candidates
        else None
    )
    found = _without_common_names(
        uow, child, verdicts(model, child, candidates, names), names_alone_at_most
    )
    resolved = uow.involvements.resolve([reached for reached, _ in found])
    pairs = [
        (resolved[reached.involvement_id], verdict)
        for reached, verdict in found
        if reached.involvement_id in resolved
    ]
    pairs.sort(key=lambda pair: (pair[1].confidence is not Confidence.STRONG, -pair[1].weight))
    return pairs


def _without_common_names(
    uow: UnitOfWork,
    child: EncodedQuery,
    found: list[tuple[Reached, Verdict]],
    most: int,
) -> list[tuple[Reached, Verdict]]:
    """Possible matches on the names alone, unless few registered children have the names.
    A namesake of a common name agrees on as much as the child would: signposting every one
    would send a practitioner calling strangers (docs/adr/0015). Counted only when needed."""
    alone = [
        verdict.names_only and verdict.confidence is Confidence.POSSIBLE for _, verdict in found
    ]
    if not any(alone):
        return found
    if uow.involvements.count_indexed(child.name_keys, up_to=most + 1) <= most:
        return found
    return [pair for pair, names_only in zip(found, alone, strict=True) if not names_only]
