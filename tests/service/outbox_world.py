"""The world the notification tests share (the SMTP outbox and GOV.UK Notify alike): one
child registered by Manchester's children's services, a police force that enquires, a clock
the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from conftest import Scenario, make_register_row
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

CHILD = {
    "given_names": "Kayden",
    "family_name": "Marsh",
    "date_of_birth": "2014-06-02",
    "postcode": "M1 1AA",
    "nhs_number": "943 476 5919",
}
IDENTIFYING = ["Kayden", "Marsh", "2014", "M1 1AA", "9434765919", "943 476 5919"]
# The police officer who enquires about the child.
OFFICER = Actor(
    subject="jo.patel@gmp.example",
    name="DC Jo Patel",
    agency="GMP",
    role=Role.PRACTITIONER,
    email="jo.patel@gmp.example",
    phone="0161 000 0000",
    strong_auth=True,
)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 12, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


def registered_child(scenario: Scenario) -> Scenario:
    """Both agencies, and the child registered by CSC-MAN with its named social worker."""
    scenario.agency("CSC-MAN", duty_email="duty@csc.example")
    scenario.agency("GMP", duty_email="duty@gmp.example")
    scenario.register(
        "CSC-MAN",
        make_register_row(
            **CHILD,
            local_ref="CSC-77",
            practitioner_name="Sam Social",
            practitioner_email="sam.social@csc.example",
        ),
    )
    return scenario
