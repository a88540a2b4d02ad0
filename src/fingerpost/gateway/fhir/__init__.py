"""FHIR R4 at the gateway: intake Bundles and `Patient/$match` requests read into the same rows
the CSV files give (so the same rules apply), and the conformance resources fingerpost publishes.

The models are `fhir.resources.R4B`: for the resources used here R4B is wire-compatible with R4.
"""

from fingerpost.gateway.fhir.columns import Episode, explain, warned
from fingerpost.gateway.fhir.enquiry import MatchRequest, read_match
from fingerpost.gateway.fhir.intake import BundleIntake, read_bundle, read_json
from fingerpost.gateway.fhir.outcome import FhirRefused, Issue, operation_outcome
from fingerpost.gateway.fhir.published import published

__all__ = [
    "BundleIntake",
    "Episode",
    "FhirRefused",
    "Issue",
    "MatchRequest",
    "explain",
    "operation_outcome",
    "published",
    "read_bundle",
    "read_json",
    "read_match",
    "warned",
]
