"""Prepared INSERTs for the importers' bulk writes.

``bulk_create`` builds its SQL anew for every batch and passes every value
through the field's preparation and the SQL compiler, one value at a time: at
tens of thousands of rows that was most of the WordPress import's time. An
``Insert`` builds its statement once and runs it with ``executemany`` over
plain tuples; only the values whose Python type is not what the database
driver takes (dates, JSON…) are converted, each once, and columns that are
the same on every row of a batch are converted once per batch. A row
converted for one table can be reused for another (an article's row for its
revision).

Like ``bulk_create`` it sends no signals and calls no ``save()``: callers
derive what ``save()`` would and keep the search index current themselves.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

# Fields whose database value is the Python value itself (str, int, bool or
# None, or their subclasses such as TextChoices members), for the values the
# importers write; other fields are converted with ``get_db_prep_save``.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def _is_plain(field: models.Field) -> bool:
    target = field.target_field if field.is_relation else field
    return isinstance(target, _PLAIN_FIELDS)


def _converter(field: models.Field):
    """``field.get_db_prep_save``, remembering the last few hundred date-times
    it converted: an article's dates are often equal (created, published,
    first published) and a batch shares its time stamps."""
    if not isinstance(field, models.DateTimeField):
        return field.get_db_prep_save
    memo: dict = {}

    def convert(value, connection):
        try:
            return memo[value]
        except KeyError:
            if len(memo) >= 512:
                memo.clear()
            memo[value] = converted = field.get_db_prep_save(value, connection)
            return converted

    return convert


class Insert:
    """``INSERT INTO <model's table> (<columns>) VALUES (%s, …)`` for the
    fields ``attnames`` (``"section_id"`` for a foreign key), given per row,
    followed, with ``others=True``, by every other concrete field but the
    primary key, whose values are the same on every row (``set_others``)."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str], *, others=False):
        self.fields = [model._meta.get_field(name) for name in attnames]
        self.other_fields = [
            field
            for field in model._meta.concrete_fields
            if others and not field.primary_key and field not in self.fields
        ]
        self._prepare = [None if _is_plain(f) else _converter(f) for f in self.fields]
        self.others: tuple = ()
        if self.other_fields:
            self.set_others()
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields + self.other_fields)
        marks = ", ".join(["%s"] * (len(self.fields) + len(self.other_fields)))
        table = quote(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted names

    def set_others(self, **values: Any) -> None:
        """The other columns' values from now on: ``values`` by attname,
        else the field's default."""
        self.others = tuple(
            field.get_db_prep_save(
                values[field.attname] if field.attname in values else field.get_default(),
                connection,
            )
            for field in self.other_fields
        )

    def prepare(self, values: Iterable[Any]) -> tuple:
        """The database values of the given fields of one row."""
        return tuple(
            value if prepare is None else prepare(value, connection)
            for prepare, value in zip(self._prepare, values, strict=True)
        )

    def prepare_obj(self, obj: models.Model) -> tuple:
        """The database values of the given fields of a model instance."""
        return self.prepare(getattr(obj, field.attname) for field in self.fields)

    def execute(self, rows: Iterable[tuple]) -> None:
        """Insert ``rows``: the database values of the given fields of each
        (from ``prepare()``/``prepare_obj()``), the other columns appended."""
        if self.others:
            rows = [(*row, *self.others) for row in rows]
        elif not isinstance(rows, Sequence):
            rows = list(rows)
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, rows)
