"""What counts as an object id on the wire: a whole number a 64-bit primary key can hold."""

MAX_ID = (1 << 63) - 1
# For django-filter NumberFilters on ids: anything else is a 400 naming the parameter, never a
# database overflow (a 500).
ID_RANGE = {"min_value": 1, "max_value": MAX_ID, "decimal_places": 0}
