"""GOV.UK Notify as a notification channel beside SMTP, end to end on loopback: a fake Notify
server checks each request as Notify would (its JWT, a template id, personalisation, a
reference), the outbox keeps its guarantees (no double send, back-off, digest) and Notify's
status call-backs reach fingerpost's API and are kept and audited (docs/adr/0020)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conftest import Scenario, make_register_row
from fingerpost.adapters.notify import NotifyMailer
from fingerpost.bootstrap import bootstrap
from fingerpost.config import Settings
from fingerpost.domain.errors import InvalidValue
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.loopback import serving
from fingerpost.service.hub import Hub
from service.outbox_world import CHILD, IDENTIFYING, OFFICER, Clock, registered_child

SERVICE_ID = str(uuid.UUID(int=1))
SECRET = str(uuid.UUID(int=2))
API_KEY = f"fingerpost_test-{SERVICE_ID}-{SECRET}"
TEMPLATE = str(uuid.UUID(int=10))
DIGEST_TEMPLATE = str(uuid.UUID(int=11))
CALLBACK_TOKEN = "notify-calls-back-with-this"


@pytest.fixture
def world(scenario: Scenario) -> Scenario:
    return registered_child(scenario)


class FakeNotify:
    """GOV.UK Notify's e-mail endpoint as its API documents it, on loopback."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_with = 0  # answer every request with this status (0: accept)
        self.url = ""
        self.app = Starlette(
            routes=[Route("/v2/notifications/email", self._email, methods=["POST"])]
        )

    async def _email(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])  # raises on a bad signature
        assert scheme == "Bearer"
        assert claims["iss"] == SERVICE_ID
        if self.fail_with:
            return JSONResponse(
                {"errors": [{"error": "Exception", "message": "Internal server error"}]},
                status_code=self.fail_with,
            )
        body = await request.json()
        self.received.append(body)
        return JSONResponse(
            {
                "id": str(uuid.uuid4()),
                "reference": body.get("reference"),
                "content": {"subject": "", "body": "", "from_email": "fp@notify.example"},
                "uri": f"{self.url}/v2/notifications/x",
                "template": {"id": body["template_id"], "version": 1, "uri": ""},
            },
            status_code=201,
        )

    def texts(self) -> list[str]:
        return [
            f"{m['personalisation']['subject']}\n{m['personalisation']['body']}"
            for m in self.received
        ]


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    fake = FakeNotify()
    with serving(fake.app) as url:
        fake.url = url
        yield fake


def mailer(fake: FakeNotify) -> NotifyMailer:
    return NotifyMailer(
        API_KEY, TEMPLATE, templates={"digest": DIGEST_TEMPLATE}, base_url=fake.url, timeout=5
    )


def test_a_notification_goes_by_template_with_personalisation_and_a_reference(
    world: Scenario, notify: FakeNotify
) -> None:
    world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
    assert world.fp.hub.deliver_notifications(mailer(notify)).sent == 1
    [sent] = notify.received
    assert sent["email_address"] == "sam.social@csc.example"
    assert sent["template_id"] == TEMPLATE
    assert "CSC-77" in sent["personalisation"]["subject"]  # the recipient's own reference
    assert "DC Jo Patel" in sent["personalisation"]["body"]
    for detail in IDENTIFYING:
        assert detail not in notify.texts()[0]
    [ref] = world.sql("SELECT message_ref FROM notifications")
    assert sent["reference"] == ref[0]


def test_nothing_is_sent_twice_and_each_delivery_is_audited(
    world: Scenario, notify: FakeNotify
) -> None:
    for _ in range(3):
        world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
    assert world.fp.hub.deliver_notifications(mailer(notify)).sent == 3
    assert world.fp.hub.deliver_notifications(mailer(notify)).sent == 0
    assert len(notify.received) == 3
    assert len({m["reference"] for m in notify.received}) == 3  # one reference per message
    events = world.sql("SELECT seq FROM audit_events WHERE action = 'notification:sent'")
    assert len(events) == 3


def test_when_notify_fails_the_outbox_backs_off_and_sends_once_it_answers(
    world: Scenario, notify: FakeNotify
) -> None:
    clock = Clock()
    hub = Hub(world.fp.unit_of_work, clock=clock, policy=EnquiryPolicy())
    hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
    notify.fail_with = 500
    report = hub.deliver_notifications(mailer(notify))
    assert (report.sent, report.failed) == (0, 1)
    assert hub.deliver_notifications(mailer(notify)).failed == 0  # not due again yet
    notify.fail_with = 0
    clock.now += timedelta(minutes=1)
    assert hub.deliver_notifications(mailer(notify)).sent == 1
    assert len(notify.received) == 1
    [(error,)] = world.sql("SELECT detail FROM audit_events WHERE action = 'notification:failed'")
    assert "attempt" in str(error)


def test_a_daily_digest_is_one_notify_message_on_the_digest_template(
    world: Scenario, notify: FakeNotify
) -> None:
    clock = Clock()
    hub = Hub(world.fp.unit_of_work, clock=clock, policy=EnquiryPolicy())
    for purpose in ("emergency care", "police investigation"):
        hub.enquire(OFFICER, purpose, world.query(**CHILD))
    assert hub.deliver_notifications(mailer(notify), digest=True).held == 2
    clock.now += timedelta(hours=25)
    assert hub.deliver_notifications(mailer(notify), digest=True).sent == 2
    [digest] = notify.received
    assert digest["template_id"] == DIGEST_TEMPLATE
    assert "Police investigation" in digest["personalisation"]["body"]
    refs = {r for (r,) in world.sql("SELECT message_ref FROM notifications")}
    assert refs == {digest["reference"]}  # the digest's notifications share its reference


def notify_settings(settings: Settings, fake: FakeNotify) -> Settings:
    return settings.model_copy(
        update={
            "notification_channel": "govuk-notify",
            "govuk_notify_api_key": SecretStr(API_KEY),
            "govuk_notify_base_url": fake.url,
            "govuk_notify_template_id": TEMPLATE,
            "govuk_notify_callback_token": SecretStr(CALLBACK_TOKEN),
        }
    )


def test_the_channel_is_chosen_per_installation_and_status_call_backs_are_kept(
    settings: Settings, notify: FakeNotify
) -> None:
    fp = bootstrap(notify_settings(settings, notify))
    try:
        world = Scenario(fp)
        world.agency("CSC-MAN", duty_email="duty@csc.example")
        world.agency("GMP")
        world.register(
            "CSC-MAN", make_register_row(**CHILD, practitioner_email="sam.social@csc.example")
        )
        fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        delivered = fp.deliver()
        assert delivered is not None
        assert delivered.sent == 1
        [sent] = notify.received
        with serving(create_app(fp)) as url:
            callback = {
                "id": str(uuid.uuid4()),
                "reference": sent["reference"],
                "to": sent["email_address"],
                "status": "permanent-failure",
                "notification_type": "email",
            }
            refused = httpx.post(f"{url}/api/v1/notify/status", json=callback)
            assert refused.status_code == 401
            assert refused.headers["content-type"].startswith("application/problem+json")
            answer = httpx.post(
                f"{url}/api/v1/notify/status",
                json=callback,
                headers={"Authorization": f"Bearer {CALLBACK_TOKEN}"},
            )
            assert answer.status_code == 204
        [(status,)] = world.sql("SELECT delivery_status FROM notifications")
        assert status == "permanent-failure"
        [(detail,)] = world.sql(
            "SELECT detail FROM audit_events WHERE action = 'notification:status'"
        )
        assert "permanent-failure" in str(detail)
        assert "sam.social" not in str(detail)
    finally:
        fp.close()


def test_notify_without_a_key_or_template_is_refused_at_start(settings: Settings) -> None:
    with pytest.raises(InvalidValue, match=r"GOV\.UK Notify needs"):
        bootstrap(settings.model_copy(update={"notification_channel": "govuk-notify"}))
