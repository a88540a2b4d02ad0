"""The tab-separated listings (`users`, `agencies list`, `notifications list`, `reviews list`,
`hub gateways list`) print stored text with its control and formatting characters escaped: a
name from a sign-in claim can neither add a row or a column nor drive the operator's terminal.
(Sign-in and imports already clean what they store; this holds for whatever a database holds, e.g.
rows restored from before those rules.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.commands.common import listed

if TYPE_CHECKING:
    from cli.conftest import Cli


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("Zoë O'Brien-Nakamura", "Zoë O'Brien-Nakamura"),  # printable text is left as it is
        ("Eve\x1b[2J", "Eve\\x1b[2J"),  # an escape sequence that would clear the screen
        ("a\tb\nc\rd", "a\\tb\\nc\\rd"),
        ("Bru\u200dce", "Bru\\u200dce"),  # zero-width joiner
        ("\u202eevil", "\\u202eevil"),  # right-to-left override
        ("nul\x00", "nul\\x00"),
    ],
)
def test_a_cell_is_shown_with_what_cannot_be_seen_escaped(cell: str, shown: str) -> None:
    assert listed(cell) == shown


def test_a_listing_line_has_one_tab_between_cells_whatever_they_hold() -> None:
    assert listed("GMP", 3, "x\ty", None) == "GMP\t3\tx\\ty\tNone"


def test_a_users_name_from_a_sign_in_cannot_break_the_listing(with_agencies: Cli) -> None:
    hostile = Actor(
        subject="oidc:eve",
        name="Eve\x1b]0;owned\x07\tGMP\nCSC-LDS",
        agency="GMP",
        role=Role.PRACTITIONER,
        email="eve@police.example",
    )
    with with_agencies.installation() as fp:
        fp.hub.seen(hostile)
    result = with_agencies("users")
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stdout.splitlines() if "eve@police.example" in line]
    assert line.count("\t") == 4
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
