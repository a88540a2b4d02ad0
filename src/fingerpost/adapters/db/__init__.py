"""Storage on SQLAlchemy 2: SQLite embedded by default, PostgreSQL in production."""
