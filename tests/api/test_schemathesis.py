"""The standing property-based test of the HTTP API (issue 18): Schemathesis generates requests
for every operation from /openapi.json — valid and invalid — as a practitioner, an agency
administrator and an auditor, and every check it has must hold: no server error, and every
response (status, content type, headers, body) as the schema describes it.

Bounded for CI: SQLite only (the storage tests cover both databases), a fixed number of examples
per operation and role, no shrinking deadline."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from conftest import make_agency, make_register_row
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.gateway import parse_register_row
from fingerpost.service.records import Registration

ROLES = {
    "practitioner": ("GMP", Role.PRACTITIONER),
    "agency-admin": ("CSC-LDS", Role.AGENCY_ADMIN),
    "auditor": ("AUDIT", Role.AUDITOR),
}
EXAMPLES = 15  # per operation, generation mode and role
SEQUENCES = 10  # stateful runs per role, of up to 6 steps


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fingerpost]:
    home = tmp_path_factory.mktemp("schemathesis") / "home"
    # Limits high enough that generated enquiries are not refused for their number.
    fp = bootstrap(
        Settings(
            _env_file=None,
            home=Path(home),
            limit_user_per_hour=100_000,
            limit_agency_per_hour=100_000,
        )
    )
    fp.hub.import_agencies(
        Actor.system("OPS"),
        [make_agency("CSC-LDS"), make_agency("GMP", kind="police"), make_agency("AUDIT")],
    )
    row = parse_register_row(make_register_row(local_ref="LDS-1"), date.today())
    fp.hub.register(
        Actor.system("CSC-LDS"),
        [Registration(row.local_ref, row.terms, fp.gateway.encode(row.child))],
    )
    yield fp
    fp.close()


@pytest.fixture(scope="module")
def api(installation: Fingerpost) -> Any:
    # Every check, as configured by default but one: rules beyond a schema's reach (a real date,
    # a known involvement, "at least two of" the child's details) refuse schema-valid data with
    # a 422 problem, which is what the schema documents for them.
    # FHIR's routes take any JSON object by schema; what makes one a Bundle fingerpost reads
    # (fhir.resources' models) is beyond an OpenAPI schema, and is answered with a documented
    # 400 or 415 OperationOutcome (tests/api/test_fhir.py fuzzes those rules element by element).
    accepted = ["2xx", "401", "403", "404", "409", "422", "429"]
    config = SchemathesisConfig.from_dict(
        {
            "checks": {"positive_data_acceptance": {"expected-statuses": accepted}},
            "operations": [
                {
                    "include-path-regex": "^/fhir/",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [*accepted, "400", "413", "415"]
                        }
                    },
                }
            ],
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(installation), config=config)


@pytest.fixture(scope="module")
def tokens(installation: Fingerpost) -> dict[str, dict[str, str]]:
    headers = {}
    for name, (agency, role) in ROLES.items():
        email = f"{name}@{agency.lower()}.example.org"
        actor = Actor(email, name, agency, role, email, "0300 000 0000", strong_auth=True)
        headers[name] = {"Authorization": f"Bearer {installation.tokens.issue(actor)}"}
    return headers


def test_every_operation_answers_as_documented(api: Any, tokens: dict[str, dict[str, str]]) -> None:
    failed: dict[str, str] = {}
    for found, mode in itertools.product(api.get_all_operations(), GenerationMode):
        operation = found.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def answers_as_documented(case: schemathesis.Case) -> None:
            # Each generated request is sent by each role.
            for headers in tokens.values():
                case.call_and_validate(headers=headers)

        try:
            answers_as_documented()
        except Unsatisfiable:  # e.g. /healthz: nothing to get wrong, no invalid request
            continue
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - all are reported
            failed[f"{operation.label} ({mode.value})"] = str(failure)
    assert failed == {}, "\n\n".join(f"{label}:\n{why}" for label, why in failed.items())


def test_sequences_of_operations_answer_as_documented(
    api: Any, tokens: dict[str, dict[str, str]]
) -> None:
    """Stateful: what one operation answers (an involvement's id…) feeds the next, along the
    links Schemathesis infers from the schema; once per role."""
    for role_headers in tokens.values():

        class Workflow(api.as_state_machine()):  # type: ignore[misc]
            headers = role_headers

            def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
                del case
                return {"headers": self.headers}

        Workflow.run(
            settings=settings(
                max_examples=SEQUENCES,
                stateful_step_count=6,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
        )
