"""The audit trail: what happened, who did it, why — never a child's identity."""
