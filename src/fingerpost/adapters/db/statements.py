"""What every repository shares: bulk inserts, statements sent together, UTC times, statement
sizes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, Table
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

__all__ = [
    "MAX_KEYS_PER_STATEMENT",
    "aware",
    "insert_many",
    "insert_rows",
    "rowcount",
    "together",
    "utc_now",
]

# Bound parameters per statement: well under SQLite's and PostgreSQL's limits.
MAX_KEYS_PER_STATEMENT = 4000


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """An INSERT of many rows (each with the same keys) as the driver's own executemany, with
    each column's bind processing and scalar default: SQLAlchemy's building of parameters row by
    row costs more than SQLite's insert itself, and registration inserts several rows per row."""
    if rows:
        session.connection().exec_driver_sql(*insert_rows(session, table, rows))


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> tuple[str, list[tuple[Any, ...]]]:
    """`insert_many`'s statement and parameters, for a driver's cursor (`together`)."""
    connection = session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.name not in rows[0] and isinstance(column.default, ScalarElementColumnDefault)
    }
    names = [*given, *defaults]
    process = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    # Names from the schema, never from input; every value is bound.
    columns, marks = ", ".join(map(quote, names)), ", ".join([mark] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
    fill = tuple(defaults.values())
    params = [tuple(row[name] for name in given) + fill for row in rows]
    if any(process):
        params = [
            tuple(value if p is None else p(value) for p, value in zip(process, row, strict=True))
            for row in params
        ]
    return sql, params


def together(
    session: Session, statements: Sequence[tuple[str, Sequence[Any]]], *, many: bool = False
) -> list[list[tuple[Any, ...]]]:
    """Statements on the unit of work's connection (its transaction), by the driver, in order;
    the rows each returns. On PostgreSQL they are pipelined: sent at once and answered in one
    round trip (with the transaction's BEGIN, when they are its first), each still run on its
    own snapshot, and an error in one skips the rest and is raised — a round trip on loopback
    costs more than most of an enquiry's statements (docs/adr/0043). `many`: each statement's
    parameters are a list of rows (executemany)."""
    dbapi = session.connection().connection
    cursors = [dbapi.cursor() for _ in statements]
    try:
        if session.get_bind().dialect.name == "postgresql":
            driver: Any = dbapi.driver_connection  # psycopg's
            with driver.pipeline():
                _send(cursors, statements, many=many)
        else:
            _send(cursors, statements, many=many)
        return [list(c.fetchall()) if c.description is not None else [] for c in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def _send(
    cursors: list[Any], statements: Sequence[tuple[str, Sequence[Any]]], *, many: bool
) -> None:
    for cursor, (sql, parameters) in zip(cursors, statements, strict=True):
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)


def utc_now() -> datetime:
    return datetime.now(UTC)


def rowcount(result: Any) -> int:
    """Rows a DELETE touched (a CursorResult's count; Session.execute types it as Result)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def aware(moment: datetime) -> datetime:
    # Everything is stored in UTC: SQLite hands back naive datetimes, PostgreSQL converts to the
    # session's time zone. Hashes and signatures depend on one canonical form.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
