"""ORM queries compiled once and run many times: for the few reads every page makes, and the
inserts every filing makes (``CompiledInsert``, at the end).

Building a query's SQL costs the ORM about 0.25 ms each time (the filter's lookups, the joins,
the compiler), and running a small indexed read on PostgreSQL about 0.04 ms: on this machine the
layout's unread count took 0.30 ms through ``.count()`` and 0.04 ms as the same SQL on a cursor.
``Compiled`` keeps the ORM as the one source of the SQL (tables, columns, quoting, the vendor's
dialect) and compiles it once per process, with placeholder values that each call replaces.

Only for queries whose parameters are all given by the caller: every parameter of the compiled
SQL must be one of the placeholders it was built with, and every placeholder must be taken
(checked once, when it is compiled). Placeholders must differ from each other (in value or type),
so that each parameter is known to be one of them: the SQL may take them in any order (the ORM
orders a WHERE clause by its joins), and each call's values go where their placeholders went.
Placeholders are ints or strings no constant of the query equals (checked by building it a
second time with others). No value may be None (the ORM would have written ``IS NULL``), and a
list's length is part of the SQL (``IN (%s, %s)``), so lists are not placeholders. ``rows``
gives the rows as the database gives them (no field converters): use it for ids, strings and
counts. ``objects`` gives the model instances the
queryset would give, with what it selects related and its annotations, built as Django's own
model iterable builds them.

On PostgreSQL the SQL is also prepared once per connection (``PREPARE``, then ``EXECUTE`` with
each call's values): planning a small read costs the server more than running it (0.42 → 0.13 ms
a statement for routing's reads on the city-scale dataset, bench/README.md). The ``PREPARE`` goes
to the connection directly, so query counts and logs see one ``EXECUTE`` per call. A prepared
statement lives as long as its connection. If the schema changes under it so that its rows would
change shape, PostgreSQL refuses it ("cached plan must not change result type"): that call fails,
and the next prepares it afresh under a new name. Not for a pooler in transaction mode (PgBouncer),
which may hand a statement to a connection that never prepared it: set ``prepare=False`` there.
"""

import itertools
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery


@dataclass(frozen=True)
class _Plan:
    """What turns a row into the queryset's model instances (derived once from its compiler)."""

    model: type
    start: int
    end: int
    init_list: list
    populators: list
    annotations: list
    converters: list
    col_count: int


_names = itertools.count(1)
# The names each open PostgreSQL connection has prepared (forgotten with the connection).
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
# SQLSTATEs after which a prepared statement must be prepared again: the schema changed under it
# (feature_not_supported: "cached plan must not change result type"), or it is gone
# (invalid_sql_statement_name: someone ran DEALLOCATE or DISCARD).
_STALE = {"0A000", "26000"}


def _other(placeholder):
    """A second placeholder of the same type that no first one equals (for the constants check)."""
    if isinstance(placeholder, bool) or not isinstance(placeholder, int | str):
        raise ValueError(f"placeholders are ints or strings, not {placeholder!r}")
    return placeholder - 10**12 if isinstance(placeholder, int) else f"{placeholder}\u2063other"


def _numbered(sql: str) -> str:
    """psycopg2's ``%s`` placeholders as PostgreSQL's ``$1, $2, …`` (and ``%%`` as ``%``)."""
    numbers = itertools.count(1)
    return re.sub(r"%[%s]", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


class _Statement:
    """Runs one compiled statement: on PostgreSQL prepared once per connection under a name of its
    own, then ``EXECUTE``d; elsewhere (or with ``prepare=False``) as plain SQL."""

    def __init__(self, prepare: bool = True):
        self.prepare = prepare
        self.name = f"linli_compiled_{next(_names)}"

    def run(self, connection, sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            if not (self.prepare and connection.vendor == "postgresql"):
                cursor.execute(sql, params)
                return cursor.fetchall()
            name = self.name
            prepared = _prepared.setdefault(connection.connection, set())
            if name not in prepared:
                connection.validate_no_broken_transaction()
                # On the connection itself (not counted as a query), with Django's error types.
                with connection.wrap_database_errors, connection.connection.cursor() as raw:
                    try:
                        raw.execute(f"PREPARE {name} AS {_numbered(sql)}")
                    except connection.Database.DatabaseError as exc:
                        # Already prepared (this process lost track of it, say by an interrupt
                        # between the two): this call fails, as its transaction has, the next runs it.
                        if getattr(exc, "pgcode", None) == "42P05":
                            prepared.add(name)
                        raise
                prepared.add(name)
            try:
                cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}", params)
            except DatabaseError as exc:
                if getattr(exc.__cause__, "pgcode", None) in _STALE:
                    prepared.discard(name)
                    self.name = f"linli_compiled_{next(_names)}"  # a name no connection holds yet
                raise
            return cursor.fetchall()


class Compiled:
    """``Compiled(lambda *args: queryset)``; ``.rows(*values)`` runs the queryset built with the
    values, from SQL compiled once with placeholder values (per database alias); ``.objects(*values)``
    gives its model instances, as ``list(queryset)`` would."""

    def __init__(self, build: Callable[..., QuerySet], *placeholders, prepare: bool = True):
        if len(set(placeholders)) != len(placeholders) or None in placeholders:
            raise ValueError("placeholders must differ from each other and not be None")
        self.build = build
        self.placeholders = placeholders
        self._others = tuple(_other(p) for p in placeholders)
        self._statement = _Statement(prepare)
        self._sql: dict[str, str] = {}
        self._order: dict[str, list[int]] = {}  # for each parameter of the SQL, its placeholder
        self._plans: dict[str, _Plan] = {}

    def _compile(self, using: str) -> None:
        queryset = self.build(*self.placeholders)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        wanted = [(type(p), p) for p in self.placeholders]
        taken = [(type(p), p) for p in params]
        if any(t not in wanted for t in taken) or any(w not in taken for w in wanted):
            raise ValueError(f"the compiled query takes {params!r}, not its placeholders {self.placeholders!r}")
        self._order[using] = order = [wanted.index(t) for t in taken]
        # A constant that happens to equal a placeholder would pass for it: built again with other
        # placeholders, the SQL must be the same and take each of them where it took the first.
        others = self._others
        again_sql, again = self.build(*others).query.get_compiler(using=using).as_sql()
        if again_sql != sql or [(type(p), p) for p in again] != [(type(others[i]), others[i]) for i in order]:
            raise ValueError(f"the compiled query takes a constant equal to one of its placeholders {self.placeholders!r}")
        if queryset._iterable_class is ModelIterable and compiler.klass_info is not None:
            if queryset._prefetch_related_lookups or queryset._known_related_objects:
                raise ValueError("a compiled query runs one statement: no prefetch_related or related managers")
            select, klass_info = compiler.select, compiler.klass_info
            fields = [s[0] for s in select[: compiler.col_count]]
            if compiler.has_composite_fields(fields):
                raise ValueError("composite fields are not supported")
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self._plans[using] = _Plan(
                model=klass_info["model"],
                start=start,
                end=end,
                init_list=[f[0].target.attname for f in select[start:end]],
                populators=get_related_populators(klass_info, select, using),
                annotations=list(compiler.annotation_col_map.items()),
                converters=list(compiler.get_converters(fields).items()),
                col_count=compiler.col_count,
            )
        self._sql[using] = sql

    def sql(self, using: str) -> str:
        if using not in self._sql:
            self._compile(using)
        return self._sql[using]

    def _run(self, values, using: str) -> list[tuple]:
        if len(values) != len(self.placeholders):
            raise TypeError(f"expected {len(self.placeholders)} values, got {len(values)}")
        if None in values:
            raise ValueError("a compiled query cannot take None (the ORM would have written IS NULL)")
        sql = self.sql(using)
        params = [values[i] for i in self._order[using]]
        return self._statement.run(connections[using], sql, params)

    @property
    def _name(self) -> str:
        return self._statement.name

    def rows(self, *values, using: str = "default") -> list[tuple]:
        return self._run(values, using)

    def objects(self, *values, using: str = "default") -> list:
        rows = self._run(values, using)
        plan = self._plans.get(using)
        if plan is None:
            raise TypeError("objects() needs a queryset of model instances (not values() or values_list())")
        connection = connections[using]
        found = []
        for row in rows:
            if plan.converters or len(row) > plan.col_count:
                row = list(row[: plan.col_count])
                for pos, (converters, expression) in plan.converters:
                    value = row[pos]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[pos] = value
            obj = plan.model.from_db(using, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            for name, pos in plan.annotations:
                setattr(obj, name, row[pos])
            found.append(obj)
        return found

    def first(self, *values, using: str = "default"):
        """``objects(...)[0]`` or None: for a queryset sliced to one row (``first_of``)."""
        found = self.objects(*values, using=using)
        return found[0] if found else None


def first_of(queryset: QuerySet) -> QuerySet:
    """The queryset ``queryset.first()`` runs: ordered (by pk if it was not) and cut to one row."""
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]


class CompiledInsert:
    """``CompiledInsert(Model).create(objs)``: new rows written as ``bulk_create(objs)`` writes
    them, from an INSERT compiled once per database alias by Django's own insert compiler.

    Each value is prepared as the compiler prepares it (``pre_save`` with ``add``, so defaults and
    ``auto_now_add`` apply, then ``get_db_prep_save``), and the rows' primary keys (and any other
    fields the database returns) are set on the objects, which are then saved ones. On PostgreSQL
    the statement is the compiler's ``INSERT … SELECT * FROM UNNEST(…)``, one array per column,
    whose SQL is the same for any number of rows: prepared once per connection like ``Compiled``
    and run with one ``EXECUTE``. Elsewhere it is ``bulk_create``.

    For models with an automatic primary key and no parent model, and objects without a pk and
    with plain values (no expressions). ``signals=True`` sends ``pre_save`` and ``post_save`` for
    each object as ``save()`` would (``created=True``); ``bulk_create`` sends none.
    """

    def __init__(self, model, *, prepare: bool = True):
        opts = model._meta
        if opts.auto_field is None or opts.parents:
            raise ValueError(f"{opts.label}: only for models with an automatic primary key and no parent model")
        self.model = model
        self.fields = [f for f in opts.concrete_fields if f is not opts.auto_field and not f.generated]
        self.returning = list(opts.db_returning_fields)
        self._statement = _Statement(prepare)
        self._sql: dict[str, str] = {}

    def sql(self, using: str) -> str:
        if using not in self._sql:
            query = InsertQuery(self.model)
            query.insert_values(self.fields, [self.model(), self.model()])  # two rows: UNNEST
            compiler = query.get_compiler(using=using)
            compiler.returning_fields = self.returning
            [(sql, _params)] = compiler.as_sql()
            if " UNNEST(" not in sql:
                raise ValueError(f"{self.model._meta.label}: a field of this model cannot be inserted from arrays")
            self._sql[using] = sql
        return self._sql[using]

    def create(self, objs, *, using: str = "default", signals: bool = False) -> list:
        objs = list(objs)
        if not objs:
            return objs
        model = self.model
        for obj in objs:  # every object checked before any signal is sent
            if type(obj) is not model:
                raise ValueError(f"{model._meta.label} objects only, not a {type(obj).__name__}")
            if obj.pk is not None:
                raise ValueError(f"new objects without a pk only, not {model._meta.label} {obj.pk}")
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        if signals:
            for obj in objs:
                pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
        connection = connections[using]
        if connection.vendor != "postgresql":
            model._base_manager.using(using).bulk_create(objs)
        else:
            sql = self.sql(using)
            columns = [[] for _ in self.fields]
            for obj in objs:
                for column, field in zip(columns, self.fields, strict=True):
                    value = field.pre_save(obj, True)
                    if hasattr(value, "resolve_expression"):
                        raise ValueError(f"{field.name}: an expression, which a compiled insert cannot take")
                    column.append(field.get_db_prep_save(value, connection))
            with transaction.mark_for_rollback_on_error(using):
                returned = self._statement.run(connection, sql, columns)
            for obj, row in zip(objs, returned, strict=True):
                for field, value in zip(self.returning, row, strict=True):
                    for converter in field.get_db_converters(connection):
                        value = converter(value, field, connection)
                    setattr(obj, field.attname, value)
                obj._state.adding = False
                obj._state.db = using
        if signals:
            for obj in objs:
                post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
        return objs
