"""The command line's commands, one module per command or group of commands; `cli.py`
assembles them into `fingerpost` (docs/adr/0029)."""
