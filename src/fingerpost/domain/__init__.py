"""Plain data and rules of signposting: no I/O, no framework, no database."""
