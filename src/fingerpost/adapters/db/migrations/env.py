"""Alembic environment: the engine (and the keyring) are handed in by fingerpost (engine.migrate)."""

from alembic import context

from fingerpost.adapters.db.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations rebuild a table by copying and dropping it: with foreign keys on, the
        # drop would cascade-delete every row that refers to it. Set outside any transaction.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=sqlite,
            )
            context.run_migrations()
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
