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
    """`SELECT <all columns of model> [JOIN <one foreign key's table>] WHERE <column> = %s`."""

    def __init__(self, model, *, where: str, join: str | None = None):
        self.model, self.where, self.join = model, where, join
        self._by_vendor: dict[str, tuple] = {}

    def _columns(self, connection, model, table_alias: str) -> tuple[list[str], list[str], list[tuple[int, list]]]:
        """The model's columns, its attribute names, and (position, converters) of the columns that need any."""
        quote = connection.ops.quote_name
        fields = list(model._meta.concrete_fields)
        columns = [f"{quote(table_alias)}.{quote(field.column)}" for field in fields]
        converters = []
        for position, field in enumerate(fields):
            column = field.get_col(table_alias)
            field_converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if field_converters:
                converters.append((position, field_converters))
        return columns, [field.attname for field in fields], converters

    def _prepare(self, connection) -> tuple:
        quote = connection.ops.quote_name
        meta = self.model._meta
        columns, attnames, converters = self._columns(connection, self.model, meta.db_table)
        parts = [(self.model, attnames, converters, len(columns))]
        source = quote(meta.db_table)
        if self.join:
            foreign_key = meta.get_field(self.join)
            related = foreign_key.related_model
            related_columns, related_attnames, related_converters = self._columns(
                connection, related, related._meta.db_table
            )
            columns += related_columns
            parts.append((related, related_attnames, related_converters, len(related_columns)))
            source += (
                f" INNER JOIN {quote(related._meta.db_table)} ON {quote(meta.db_table)}.{quote(foreign_key.column)}"
                f" = {quote(related._meta.db_table)}.{quote(related._meta.pk.column)}"
            )
        where = f"{quote(meta.db_table)}.{quote(meta.get_field(self.where).column)} = %s"
        return f"SELECT {', '.join(columns)} FROM {source} WHERE {where}", parts

    def all(self, value) -> list:
        """Instances whose `where` column equals `value`; with `join`, the related object is attached."""
        connection = connections[DEFAULT_DB_ALIAS]
        prepared = self._by_vendor.get(connection.vendor)
        if prepared is None:
            prepared = self._by_vendor[connection.vendor] = self._prepare(connection)
        sql, parts = prepared
        rows = execute(sql, [value], fetch=True)
        instances = []
        for row in rows:
            objects, start = [], 0
            for model, attnames, converters, width in parts:
                values = list(row[start : start + width])
                for position, field_converters in converters:
                    value = values[position]
                    for converter in field_converters:
                        value = converter(value, None, connection)
                    values[position] = value
                objects.append(model.from_db(connection.alias, attnames, values))
                start += width
            if self.join:
                setattr(objects[0], self.join, objects[1])
            instances.append(objects[0])
        return instances
