"""Problems with what an agency sent, as FHIR OperationOutcome issues.

An issue names the Bundle entry (its index, from 0) and the element at fault, and says why in
words. It never echoes a value: a misplaced field could hold a child's details.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.operationoutcome import OperationOutcome

__all__ = ["FhirRefused", "Issue", "operation_outcome"]


@dataclass(frozen=True, slots=True)
class Issue:
    reason: str
    index: int | None = None  # the Bundle entry at fault; None: the request as a whole
    expression: str = ""  # FHIRPath of the element at fault, e.g. Bundle.entry[2].resource.gender
    code: str = "invalid"  # the OperationOutcome issue type (invalid, value, required…)
    severity: str = "error"

    @property
    def diagnostics(self) -> str:
        return self.reason if self.index is None else f"entry {self.index}: {self.reason}"


class FhirRefused(Exception):
    """The request cannot be read at all (not JSON, not a Bundle, the wrong type, too large):
    nothing of it is used."""

    def __init__(self, issue: Issue, *, status: int = 400) -> None:
        super().__init__(issue.diagnostics)
        self.issue = issue
        self.status = status


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An OperationOutcome (as JSON) listing `issues`, validated by the FHIR model."""
    outcome = OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": issue.severity,
                    "code": issue.code,
                    "diagnostics": issue.diagnostics,
                    **({"expression": [issue.expression]} if issue.expression else {}),
                }
                for issue in issues
            ],
        }
    )
    body: dict[str, Any] = outcome.model_dump(mode="json", exclude_none=True)
    return body
