"""Reads prepared once per database vendor, for the statements every player heartbeat runs.

Compiling a query with the ORM costs more than running it; these build the SQL, the column list and
the result converters once, and return ordinary model instances.
"""

from django.db import connection


class PreparedRead:
    """`SELECT <all columns of model> [JOIN <one foreign key's table>] WHERE <column> = %s`."""

    def __init__(self, model, *, where: str, join: str | None = None):
        self.model, self.where, self.join = model, where, join
        self._by_vendor: dict[str, tuple] = {}

    def _columns(self, model, table_alias: str) -> tuple[list[str], list[str], list[list]]:
        quote = connection.ops.quote_name
        fields = list(model._meta.concrete_fields)
        columns = [f"{quote(table_alias)}.{quote(field.column)}" for field in fields]
        converters = []
        for field in fields:
            column = field.get_col(table_alias)
            converters.append(connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        return columns, [field.attname for field in fields], converters

    def _prepare(self) -> tuple:
        quote = connection.ops.quote_name
        meta = self.model._meta
        columns, attnames, converters = self._columns(self.model, meta.db_table)
        parts = [(self.model, attnames, converters, len(columns))]
        source = quote(meta.db_table)
        if self.join:
            foreign_key = meta.get_field(self.join)
            related = foreign_key.related_model
            related_columns, related_attnames, related_converters = self._columns(related, related._meta.db_table)
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
        prepared = self._by_vendor.get(connection.vendor)
        if prepared is None:
            prepared = self._by_vendor[connection.vendor] = self._prepare()
        sql, parts = prepared
        with connection.cursor() as cursor:
            cursor.execute(sql, [value])
            rows = cursor.fetchall()
        instances = []
        for row in rows:
            objects, start = [], 0
            for model, attnames, converters, width in parts:
                values = []
                for value, field_converters in zip(row[start : start + width], converters, strict=True):
                    for converter in field_converters:
                        value = converter(value, None, connection)
                    values.append(value)
                objects.append(model.from_db(connection.alias, attnames, values))
                start += width
            if self.join:
                setattr(objects[0], self.join, objects[1])
            instances.append(objects[0])
        return instances
