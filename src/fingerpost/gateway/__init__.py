"""The agency side of the privacy boundary.

The gateway validates what an agency sends, normalises the child's identity and encodes it with
the linkage secret. Only encodings cross to the hub: the hub's service layer cannot even import this
package (an import-linter contract), and nothing here stores or logs a child's details.
"""

from fingerpost.gateway.enquiry import enquiry_child, enquiry_parts
from fingerpost.gateway.rows import (
    ENQUIRY_COLUMNS,
    ENQUIRY_REQUIRED,
    ENQUIRY_RULES,
    REGISTER_COLUMNS,
    REGISTER_REQUIRED,
    REGISTER_RULES,
    AnyOf,
    EnquiryRow,
    RegisterRow,
    check_enquiry,
    enquiry_ref,
    parse_child,
    parse_enquiry_row,
    parse_register_row,
    plain_value,
    refuse_mentions,
    register_parts,
)
from fingerpost.gateway.secret import Gateway, Parsed

__all__ = [
    "ENQUIRY_COLUMNS",
    "ENQUIRY_REQUIRED",
    "ENQUIRY_RULES",
    "REGISTER_COLUMNS",
    "REGISTER_REQUIRED",
    "REGISTER_RULES",
    "AnyOf",
    "EnquiryRow",
    "Gateway",
    "Parsed",
    "RegisterRow",
    "check_enquiry",
    "enquiry_child",
    "enquiry_parts",
    "enquiry_ref",
    "parse_child",
    "parse_enquiry_row",
    "parse_register_row",
    "plain_value",
    "refuse_mentions",
    "register_parts",
]
