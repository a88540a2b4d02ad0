"""What the command line says when a gateway's call to the hub fails: exit status 2 always
(nothing more was done), and words that say whether the hub was down or answered with a refusal."""

import pytest

from fingerpost.entrypoints import cli
from fingerpost.service.unavailable import GatewayNotTrusted, HubRefused, HubUnavailable


@pytest.mark.parametrize(
    ("failure", "said", "not_said"),
    [
        (HubUnavailable("the hub cannot be reached: ConnectError"), "A re-run is safe", None),
        (
            HubRefused("the hub refused the request (404 Not Found)"),
            "refused the request (404 Not Found); nothing more was done",
            "cannot be reached",
        ),
        (
            GatewayNotTrusted("the hub refused this gateway's service token: revoked"),
            "refused this gateway's service token: revoked; nothing more was done",
            "cannot be reached",
        ),
    ],
)
def test_a_failed_call_to_the_hub_exits_2_with_what_happened(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: Exception,
    said: str,
    not_said: str | None,
) -> None:
    def failing() -> None:
        raise failure

    monkeypatch.setattr(cli, "app", failing)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    stderr = " ".join(capsys.readouterr().err.split())
    assert said in stderr
    if not_said is not None:
        assert not_said not in stderr
