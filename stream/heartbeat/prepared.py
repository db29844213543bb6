"""Statements prepared once per database vendor, for the statements every player heartbeat runs.

Compiling a query with the ORM costs more than running it; these build the SQL, the column list and
the result converters once, and return ordinary model instances.
"""

from django.db import DEFAULT_DB_ALIAS, connections


def execute(sql: str, params: list, *, fetch: bool) -> list[tuple] | int:
    """Runs one statement; returns its rows (`fetch`) or the number of rows it changed.

    Django's cursor wraps every statement in layers that log it and rewrite its placeholders. When
    nothing records queries (DEBUG off, no test capturing them), the statement goes to the driver's
    cursor in the driver's placeholder style, with database errors still translated to Django's.
    """
    # The connection of this thread, looked up once (each attribute of `django.db.connection` looks it up).
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.queries_logged:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if fetch else cursor.rowcount
    if connection.Database.paramstyle == "qmark":
        sql = _qmark_sql.get(sql) or _qmark_sql.setdefault(sql, sql.replace("%s", "?"))
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall() if fetch else cursor.rowcount
        finally:
            cursor.close()


_qmark_sql: dict[str, str] = {}


class PreparedRead:
    """`SELECT <all columns of model> [JOIN <one foreign key's table>] WHERE <column> = %s`.

    With `beside=(other model, field name)`, the same statement also fetches the row of the other model
    whose field equals a second value (a LEFT JOIN on that value): two lookups for one statement.
    With `only={model: field names}`, that model's instances hold just those fields and the primary key;
    the others are deferred (read on first access, as with `QuerySet.only`).
    """

    def __init__(
        self, model, *, where: str, join: str | None = None, beside: tuple | None = None, only: dict | None = None
    ):
        self.model, self.where, self.join, self.beside = model, where, join, beside
        self.only = only or {}
        self._by_vendor: dict[str, tuple] = {}

    def _part(self, connection, model, *, optional: bool = False) -> tuple[list[str], tuple]:
        """The model's selected columns, and its part of a row: (model, attribute names, (position, converters)
        of the columns that need any, width, and, if the row may be absent, the position of its primary key)."""
        quote, table = connection.ops.quote_name, model._meta.db_table
        fields = list(model._meta.concrete_fields)
        if model in self.only:
            wanted = {model._meta.get_field(name).attname for name in self.only[model]} | {model._meta.pk.attname}
            fields = [field for field in fields if field.attname in wanted]
        columns = [f"{quote(table)}.{quote(field.column)}" for field in fields]
        converters = []
        for position, field in enumerate(fields):
            column = field.get_col(table)
            field_converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if field_converters:
                converters.append((position, field_converters))
        attnames = [field.attname for field in fields]
        pk_position = attnames.index(model._meta.pk.attname) if optional else None
        # Model.from_db tests each field's name against these when some are deferred: a set keeps that cheap.
        names = frozenset(attnames) if model in self.only else attnames
        return columns, (model, names, converters, len(columns), pk_position)

    def _prepare(self, connection) -> tuple:
        quote = connection.ops.quote_name
        meta = self.model._meta
        columns, part = self._part(connection, self.model)
        parts = [part]
        source = quote(meta.db_table)
        if self.join:
            foreign_key = meta.get_field(self.join)
            related = foreign_key.related_model
            related_columns, part = self._part(connection, related)
            columns += related_columns
            parts.append(part)
            source += (
                f" INNER JOIN {quote(related._meta.db_table)} ON {quote(meta.db_table)}.{quote(foreign_key.column)}"
                f" = {quote(related._meta.db_table)}.{quote(related._meta.pk.column)}"
            )
        if self.beside:
            other, field_name = self.beside
            other_columns, part = self._part(connection, other, optional=True)
            columns += other_columns
            parts.append(part)
            source += (
                f" LEFT OUTER JOIN {quote(other._meta.db_table)}"
                f" ON {quote(other._meta.db_table)}.{quote(other._meta.get_field(field_name).column)} = %s"
            )
        where = f"{quote(meta.db_table)}.{quote(meta.get_field(self.where).column)} = %s"
        return f"SELECT {', '.join(columns)} FROM {source} WHERE {where}", parts

    def _rows(self, params: list) -> list[list]:
        """Each row as its model instances, in the order of the parts (None for a beside row not found)."""
        connection = connections[DEFAULT_DB_ALIAS]
        prepared = self._by_vendor.get(connection.vendor)
        if prepared is None:
            prepared = self._by_vendor[connection.vendor] = self._prepare(connection)
        sql, parts = prepared
        rows = execute(sql, params, fetch=True)
        instances = []
        for row in rows:
            objects, start = [], 0
            for model, attnames, converters, width, optional_pk in parts:
                values = list(row[start : start + width])
                start += width
                if optional_pk is not None and values[optional_pk] is None:  # the LEFT JOIN found no row
                    objects.append(None)
                    continue
                for position, field_converters in converters:
                    value = values[position]
                    for converter in field_converters:
                        value = converter(value, None, connection)
                    values[position] = value
                objects.append(model.from_db(connection.alias, attnames, values))
            if self.join:
                setattr(objects[0], self.join, objects[1])
            instances.append(objects)
        return instances

    def all(self, value) -> list:
        """Instances whose `where` column equals `value`; with `join`, the related object is attached."""
        return [objects[0] for objects in self._rows([value])]

    def all_beside(self, value, beside_value) -> list[tuple]:
        """(instance, the beside model's row whose field equals `beside_value`, or None), as `all` finds them."""
        return [(objects[0], objects[-1]) for objects in self._rows([beside_value, value])]
