"""Inserting many rows at once, for imports.

On PostgreSQL rows go in with COPY, which is an order of magnitude faster
than a multi-row INSERT: Django's bulk_create binds every value as a query
parameter (arrays for UNNEST on 5.2), and adapting those in Python was most
of an import's time. Primary keys are drawn from the table's own sequence
first, so callers know them (audit events need them) exactly as with
bulk_create. Other databases use bulk_create.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connections, models, router
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

COPY_BATCH = 10_000


def insert_many(model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """Insert `objs` (unsaved instances of `model`) and set their primary keys."""
    if not objs:
        return objs
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.using(alias).bulk_create(objs, batch_size=1000)
    meta = model._meta
    fields = list(meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    copy_rows(model, [f.column for f in fields], _db_values(fields, objs, connection))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


# Fields whose Python value psycopg writes as it is: Django's own preparation
# returns it unchanged on PostgreSQL, and calling it for every field of every
# row was the larger part of an import's insert.
_AS_IS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField, models.DateField,
          models.AutoField, models.BigAutoField)


def _db_values(fields: Sequence[models.Field], objs: Sequence[models.Model], connection: Any) -> Iterator[tuple]:
    now = timezone.now()
    for f in fields:
        # What pre_save() would do for each row, once for all: one timestamp for the whole batch.
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    as_is = [isinstance(f, _AS_IS) or (f.is_relation and isinstance(getattr(f, "target_field", None), _AS_IS))
             for f in fields]
    if all(as_is):
        values = operator.attrgetter(*(f.attname for f in fields))
        for obj in objs:
            yield values(obj)
        return
    for obj in objs:
        yield tuple(getattr(obj, f.attname) if plain else f.get_db_prep_save(f.pre_save(obj, True), connection)
                    for f, plain in zip(fields, as_is, strict=True))


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows of plain values (in `columns` order) into `model`'s table. PostgreSQL only."""
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # wrap_database_errors turns psycopg's errors into Django's (IntegrityError…),
    # as for every other query, since COPY runs on psycopg's own cursor.
    with connection.wrap_database_errors, connection.cursor() as cursor, \
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@models.Field.register_lookup
class AnyOf(models.Lookup):
    """`field = ANY(%s)`, the values as one array parameter. PostgreSQL only; see `matching`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Integers (ids above all) as bigint[]: psycopg sends small numbers as smallint[], and bigint =
        # smallint cannot be hashed, so PostgreSQL compared each row with the whole array (3,000 ids: 97 ms
        # vs 29 ms). Other types stay as psycopg sends them: a cast to the column's type would cut text to a
        # varchar's length, and a cut value can equal a stored one.
        field = self.lhs.output_field
        target = getattr(field, "target_field", field)
        cast = "::bigint[]" if target.get_internal_type() in _INTEGER_TYPES else ""
        return f"{lhs} = ANY(%s{cast})", [*lhs_params, list(self.rhs)]


_INTEGER_TYPES = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                  "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}


# Foreign keys keep lookups of their own (related lookups); ids given as plain values.
models.ForeignObject.register_lookup(AnyOf)


# SQLite caps the parameters of one statement (999 in older builds).
IN_CHUNK = 900


def matching(queryset: models.QuerySet[M], field: str, values: Iterable[Any]) -> Iterator[models.QuerySet[M]]:
    """`queryset` filtered to rows whose `field` is one of `values`, as one or more querysets.

    An import looks up thousands of ID numbers or phones at once. On
    PostgreSQL they go as one array parameter: an IN list binds one parameter
    per value, and psycopg parsing those was a good part of a check's time.
    Elsewhere IN lists in slices the database accepts.
    """
    values = list(values)
    if not values:
        return
    if connections[queryset.db].vendor == "postgresql":
        yield queryset.filter(**{f"{field}__any_of": values})
        return
    for start in range(0, len(values), IN_CHUNK):
        yield queryset.filter(**{f"{field}__in": values[start:start + IN_CHUNK]})


def _int_array(values: Iterable[int]) -> str:
    """Integers as PostgreSQL's text form of an array, one string parameter: psycopg's client-side binding
    otherwise dumps and quotes each of thousands of values (≈ 4 ms for 3,000). Only integers go in (int()),
    so the text needs no escaping."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def sql_int_table(rows: Sequence[Sequence[int]], width: int, using: str = "default"
                  ) -> Iterator[tuple[str, list[Any]]]:
    """Rows of `width` integers as a query for hand-written SQL, to name in a CTE (`WITH b(id, child) AS (…)`):
    (query, its parameters) — on PostgreSQL one query, an unnest of one array per column (planned at its
    true size, where a subquery of the same rows may be estimated at one row), elsewhere VALUES lists in slices
    under SQLite's limit of parameters."""
    if not rows:
        return
    if connections[using].vendor == "postgresql":
        yield ("SELECT " + ", ".join(["unnest(%s::bigint[])"] * width),
               [_int_array(column) for column in zip(*rows, strict=True)])
        return
    per_slice = IN_CHUNK // width
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    for start in range(0, len(rows), per_slice):
        chunk = rows[start:start + per_slice]
        yield "VALUES " + ", ".join([row_sql] * len(chunk)), [int(value) for row in chunk for value in row]


def sql_matching(column: str, ids: Iterable[int], using: str = "default") -> Iterator[tuple[str, list[Any]]]:
    """`matching` for hand-written SQL: (condition, its parameters) that keep rows whose integer `column`
    (an id) is one of `ids` — one array parameter on PostgreSQL, IN lists in slices elsewhere."""
    ids = list(ids)
    if not ids:
        return
    if connections[using].vendor == "postgresql":
        yield f"{column} = ANY(%s::bigint[])", [_int_array(ids)]
        return
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start:start + IN_CHUNK]
        yield f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk
