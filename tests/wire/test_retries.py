"""`RemoteHub`'s retries, with a transport double: an idempotent call is sent again after a
dropped connection or a 503, a disclosure never once it may have reached the hub."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import PURPOSE
from fingerpost.adapters.hub_client import RemoteHub
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import LimitExceeded, NotFound
from fingerpost.gateway.secret import Gateway
from fingerpost.matching.normalise import ChildIdentity
from fingerpost.service.unavailable import HubRefused, HubUnavailable

ADMIN = Actor.system("CSC-LDS")


def remote(*answers: httpx.Response | Exception) -> tuple[RemoteHub, list[httpx.Request]]:
    sent: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    hub = RemoteHub(
        "http://hub.test",
        "leeds-gw",
        Ed25519PrivateKey.generate(),
        backoff=0.001,
        transport=httpx.MockTransport(handle),
    )
    return hub, sent


def problem(status: int, code: str, **headers: str) -> httpx.Response:
    body = {"status": status, "detail": "no", "code": code}
    return httpx.Response(status, json=body, headers=headers)


def test_an_idempotent_call_is_sent_again_after_a_dropped_connection_or_a_503() -> None:
    hub, sent = remote(
        httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(200, json=[])
    )
    assert hub.list_involvements(ADMIN) == []
    assert len(sent) == 3
    tokens = {request.headers["authorization"] for request in sent}
    assert len(tokens) == 3  # a fresh service token each time: the hub refuses a replayed one


def test_an_enquiry_that_may_have_reached_the_hub_is_never_sent_again() -> None:
    query = Gateway(b"k" * 32).encode(ChildIdentity(given_names="Ada", family_name="Lovelace"))
    hub, sent = remote(httpx.ReadTimeout("slow"), httpx.Response(200, json={"results": []}))
    with pytest.raises(HubUnavailable):
        hub.enquire(ADMIN, PURPOSE, query)
    assert len(sent) == 1
    hub, sent = remote(httpx.Response(503))
    with pytest.raises(HubUnavailable):
        hub.enquire(ADMIN, PURPOSE, query)
    assert len(sent) == 1


def test_giving_up_is_one_clear_error() -> None:
    hub, sent = remote(*[httpx.ConnectError("refused")] * 3)
    with pytest.raises(HubUnavailable, match="cannot be reached"):
        hub.get(ADMIN, "x")
    assert len(sent) == 3


def test_the_hubs_refusals_are_the_hubs_exceptions() -> None:
    hub, _ = remote(
        problem(404, "not-found"), problem(429, "limit-exceeded", **{"Retry-After": "42"})
    )
    with pytest.raises(NotFound):
        hub.get(ADMIN, "x")
    with pytest.raises(LimitExceeded) as refused:
        hub.get(ADMIN, "x")
    assert refused.value.retry_after == 42


def test_a_refusal_without_a_code_says_the_hub_refused_it_and_is_not_retried() -> None:
    # A route an older hub lacks: the hub answered, so "cannot be reached" would mislead.
    hub, sent = remote(httpx.Response(404, json={"detail": "Not Found"}))
    with pytest.raises(HubRefused, match=r"refused the request \(404 Not Found\).*older release"):
        hub.list_involvements(ADMIN)
    assert len(sent) == 1
