"""Notifications reach people by e-mail from an outbox: delivered to a real (local) SMTP server,
retried with back-off when it is down, gathered into a daily digest when asked, audited one by
one, and never carrying a child's details."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from conftest import Scenario, make_register_row
from fingerpost.adapters.mail import SmtpMailer
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.entrypoints.loopback import free_port
from fingerpost.service.hub import Hub
from service.outbox_world import CHILD, IDENTIFYING, OFFICER, Clock, registered_child


@pytest.fixture
def world(scenario: Scenario) -> Scenario:
    return registered_child(scenario)


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return str(message["Subject"]) + "\n" + payload.decode()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def audit_count(world: Scenario, action: str) -> int:
    return len(world.sql("SELECT seq FROM audit_events WHERE action = :a", a=action))


class TestDelivery:
    def test_the_practitioner_is_emailed_who_enquired_and_why_but_not_about_whom(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        world.fp.hub.enquire(OFFICER, "Police investigation", world.query(**CHILD))
        report = world.fp.hub.deliver_notifications(SmtpMailer("127.0.0.1", port, sender="fp@x"))
        assert report.sent == 1
        [mail] = inbox.to("sam.social@csc.example")
        text = Inbox.text(mail)
        for words in ("DC Jo Patel", "0161 000 0000", "Police investigation", "CSC-77"):
            assert words in text
        assert [w for w in IDENTIFYING if w in text] == []

    def test_a_link_at_registration_emails_both_practitioners(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        world.register(
            "GMP",
            make_register_row(
                **CHILD, local_ref="GMP-1", practitioner_email="jo.patel@gmp.example"
            ),
        )
        world.fp.hub.deliver_notifications(SmtpMailer("127.0.0.1", port, sender="fp@x"))
        assert "GMP-1" in Inbox.text(inbox.to("jo.patel@gmp.example")[0])
        assert "CSC-77" in Inbox.text(inbox.to("sam.social@csc.example")[0])
        for mail in inbox.messages:
            assert [w for w in IDENTIFYING if w in Inbox.text(mail)] == []

    def test_alerts_go_to_the_agencys_duty_address(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD), urgent=True)
        world.fp.hub.deliver_notifications(SmtpMailer("127.0.0.1", port, sender="fp@x"))
        [alert] = inbox.to("duty@gmp.example")
        assert "break-glass" in Inbox.text(alert)

    def test_each_delivery_is_audited_and_nothing_is_sent_twice(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        mailer = SmtpMailer("127.0.0.1", port, sender="fp@x")
        for _ in range(3):
            world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        assert world.fp.hub.deliver_notifications(mailer).sent == 3
        assert world.fp.hub.deliver_notifications(mailer).sent == 0
        assert len(inbox.messages) == 3
        assert audit_count(world, "notification:sent") == 3
        assert world.fp.hub.outbox(Scenario.auditor()) == {
            "pending": 0,
            "failed": 0,
            "delivered": 3,
        }


class TestRetries:
    def test_a_server_that_is_down_is_retried_later_with_back_off(self, world: Scenario) -> None:
        clock = Clock()
        hub = Hub(world.fp.unit_of_work, clock=clock, policy=EnquiryPolicy())
        hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        down = SmtpMailer("127.0.0.1", free_port(), sender="fp@x", timeout=2)
        report = hub.deliver_notifications(down)
        assert (report.sent, report.failed, report.gave_up) == (0, 1, 0)
        assert hub.deliver_notifications(down).failed == 0  # not due again yet
        clock.now += timedelta(minutes=1)
        assert hub.deliver_notifications(down).failed == 1  # second attempt after a minute
        clock.now += timedelta(minutes=1)
        assert hub.deliver_notifications(down).failed == 0  # the next waits two minutes
        assert audit_count(world, "notification:failed") == 2

    def test_after_the_last_attempt_it_gives_up_and_stays_in_the_inbox(
        self, world: Scenario
    ) -> None:
        clock = Clock()
        hub = Hub(world.fp.unit_of_work, clock=clock, policy=EnquiryPolicy())
        hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        down = SmtpMailer("127.0.0.1", free_port(), sender="fp@x", timeout=2)
        gave_up = 0
        for _ in range(3):
            gave_up += hub.deliver_notifications(down, max_attempts=3).gave_up
            clock.now += timedelta(hours=1)
        assert gave_up == 1
        assert hub.outbox(Scenario.auditor())["failed"] == 1
        sam = Scenario.practitioner("CSC-MAN", "sam.social@csc.example")
        assert [n.kind for n in hub.notifications(sam)] == ["enquiry"]

    def test_it_is_delivered_once_the_server_is_back(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        clock = Clock()
        hub = Hub(world.fp.unit_of_work, clock=clock, policy=EnquiryPolicy())
        hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        hub.deliver_notifications(SmtpMailer("127.0.0.1", free_port(), sender="fp@x", timeout=2))
        clock.now += timedelta(minutes=5)
        assert hub.deliver_notifications(SmtpMailer("127.0.0.1", port, sender="fp@x")).sent == 1
        assert len(inbox.messages) == 1


class TestDigest:
    def test_a_daily_digest_gathers_a_practitioners_notifications_into_one_message(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        clock = Clock()
        hub = Hub(world.fp.unit_of_work, clock=clock, policy=EnquiryPolicy())
        mailer = SmtpMailer("127.0.0.1", port, sender="fp@x")
        for purpose in ("emergency care", "police investigation"):
            hub.enquire(OFFICER, purpose, world.query(**CHILD))
        assert hub.deliver_notifications(mailer, digest=True).held == 2
        assert inbox.messages == []
        clock.now += timedelta(hours=25)
        assert hub.deliver_notifications(mailer, digest=True).sent == 2
        [digest] = inbox.to("sam.social@csc.example")
        text = Inbox.text(digest)
        assert "Emergency care" in text
        assert "Police investigation" in text

    def test_alerts_are_never_held_for_the_digest(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD), urgent=True)
        world.fp.hub.deliver_notifications(
            SmtpMailer("127.0.0.1", port, sender="fp@x"), digest=True
        )
        assert [m["To"] for m in inbox.messages] == ["duty@gmp.example"]


class TestSeveralWorkers:
    """`serve` may run several workers, each delivering the outbox: none sends a message twice."""

    def test_a_notification_claimed_by_one_worker_is_not_claimed_by_another(
        self, world: Scenario
    ) -> None:
        for _ in range(4):
            world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        now = datetime.now(UTC)
        with world.fp.unit_of_work() as first:
            claimed = first.notifications.claim(now, now + timedelta(minutes=5))
            first.commit()
        with world.fp.unit_of_work() as second:
            assert second.notifications.claim(now, now + timedelta(minutes=5)) == []
        assert len(claimed) == 4

    def test_a_worker_that_died_mid_send_leaves_its_claim_due_again_later(
        self, world: Scenario
    ) -> None:
        world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        now = datetime.now(UTC)
        with world.fp.unit_of_work() as dead:
            assert len(dead.notifications.claim(now, now + timedelta(minutes=5))) == 1
            dead.commit()
        later = now + timedelta(minutes=6)
        with world.fp.unit_of_work() as survivor:
            assert len(survivor.notifications.claim(later, later + timedelta(minutes=5))) == 1

    def test_workers_delivering_at_once_send_each_message_once(
        self, world: Scenario, smtp: tuple[Inbox, int]
    ) -> None:
        inbox, port = smtp
        for _ in range(12):
            world.fp.hub.enquire(OFFICER, "emergency care", world.query(**CHILD))
        # Twelve practitioner notices, and at night an out-of-hours alert to the administrators.
        due = world.count("notifications")
        assert due >= 12
        mailer = SmtpMailer("127.0.0.1", port, sender="fp@x")
        with ThreadPoolExecutor(max_workers=3) as pool:
            reports = list(
                pool.map(lambda _: world.fp.hub.deliver_notifications(mailer, limit=5), range(6))
            )
        assert sum(r.sent for r in reports) == due
        assert len(inbox.messages) == due
        assert audit_count(world, "notification:sent") == due
