"""Entrypoints translate the outside world (command line, HTTP) into service calls and back."""
