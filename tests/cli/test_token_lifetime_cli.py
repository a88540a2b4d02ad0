"""`tokens create` makes no token the service would refuse (FINGERPOST_TOKEN_MAX_HOURS)."""

from cli.conftest import Cli


def test_tokens_create_refuses_a_lifetime_over_the_accepted_maximum(with_agencies: Cli) -> None:
    base = ["tokens", "create", "--agency", "GMP", "--role", "practitioner", "--name", "X",
            "--email", "x@example.org"]  # fmt: skip
    assert with_agencies(*base, "--hours", "24").exit_code == 0
    too_long = with_agencies(*base, "--hours", "25")
    assert too_long.exit_code == 2
    assert "at most 24 hours" in too_long.stderr
    assert too_long.stdout == ""
