"""Areas by name: the ONS local authority district names and codes shipped with fingerpost
(`domain/data/lad-names.csv`, its source and date beside it). A code not in the file is shown as
the code: never a guess."""

import csv
from functools import cache
from importlib import resources

__all__ = ["area_name"]


def _plain(official: str) -> str:
    """ONS sorts some names by their place: "Bristol, City of" reads "City of Bristol"."""
    place, comma, title = official.partition(", ")
    if comma and title in {"City of", "County of"}:
        return f"{title} {place}"
    return official


@cache
def _names() -> dict[str, str]:
    source = resources.files("fingerpost.domain").joinpath("data/lad-names.csv")
    with source.open(encoding="utf-8-sig") as lines:
        return {row["LAD24CD"]: _plain(row["LAD24NM"]) for row in csv.DictReader(lines)}


def area_name(code: str) -> str:
    """`E08000003` → `Manchester`; an unknown or empty code is given back as it is."""
    return _names().get(code.strip().upper(), code)
