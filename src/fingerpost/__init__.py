"""fingerpost: a national signposting service for vulnerable children."""

__all__ = ["__version__"]

__version__ = "0.1.0"
