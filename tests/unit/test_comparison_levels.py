"""Comparison levels and the dependence rules between fields are data, checked when the model is
made: a rule or a step naming a level that does not exist is refused with the reason, instead of
being silently never true (docs/adr/0031)."""

from dataclasses import replace

import pytest

from fingerpost.matching.comparisons import GIVEN, Comparison, Level, Undecided
from fingerpost.matching.dependence import DEPENDENCE, AnyOf, Reached
from fingerpost.matching.score import DEFAULT_MODEL, MatchModel


def test_a_dependence_rule_naming_a_level_the_model_lacks_is_refused() -> None:
    typo = replace(DEPENDENCE, strong_needs=AnyOf((Reached("given", frozenset({"exactly"})),)))
    with pytest.raises(ValueError, match=r"'given' has no level \['exactly'\]"):
        replace(DEFAULT_MODEL, dependence=typo)


def test_a_dependence_rule_naming_a_field_the_model_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="no comparison of 'surname'"):
        replace(
            DEFAULT_MODEL,
            dependence=replace(DEPENDENCE, identifies=Reached("surname", frozenset({"exact"}))),
        )
    with pytest.raises(ValueError, match=r"no comparison of \['address'\]"):
        replace(DEFAULT_MODEL, dependence=replace(DEPENDENCE, discounted=frozenset({"address"})))


def test_a_model_without_a_field_its_rules_need_is_refused() -> None:
    without_middle = tuple(c for c in DEFAULT_MODEL.comparisons if c.field != "middle")
    with pytest.raises(ValueError, match="middle"):
        replace(DEFAULT_MODEL, comparisons=without_middle)


def test_an_undecided_step_before_no_level_and_a_level_named_twice_are_refused() -> None:
    with pytest.raises(ValueError, match="no level 'nick'"):
        replace(GIVEN, undecided=(Undecided("nick", lambda _: True, "a typo"),))
    twice = (*GIVEN.levels, GIVEN.levels[0])
    with pytest.raises(ValueError, match="a level named twice"):
        replace(GIVEN, levels=twice)


def test_a_level_counted_for_strong_as_a_level_there_is_none_of_is_refused() -> None:
    odd = Level("slight", 0.03, 0.01, "", False, lambda _: True, for_strong="unlike")
    with pytest.raises(ValueError, match=r"no level \['unlike'\] for strong"):
        replace(GIVEN, levels=(*GIVEN.levels[:-1], odd, GIVEN.levels[-1]))


def test_each_level_carries_its_own_predicate_and_the_first_that_holds_is_reached() -> None:
    sexes = Comparison(
        "sex",
        (
            Level("both-known", 0.9, 0.5, "", True, lambda p: bool(p.a.sex and p.b.sex)),
            Level("other", 0.1, 0.5, "", agrees=False),
        ),
        known=lambda _: True,
    )
    model = replace(
        DEFAULT_MODEL,
        comparisons=tuple(sexes if c.field == "sex" else c for c in DEFAULT_MODEL.comparisons),
    )
    assert isinstance(model, MatchModel)
    assert [level.name for level in sexes.levels] == ["both-known", "other"]
    # Trained parameters are read onto the levels by name, predicates kept.
    trained = MatchModel.from_json(model.to_json(), base=model)
    assert trained.comparisons[-1].levels[0].when is sexes.levels[0].when
