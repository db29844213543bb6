"""Filters shared by the services' filtersets, for values a database cannot take as sent."""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time that also exists in UTC (`0001-01-01T00:00:00+14:00` does not)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None and moment.tzinfo is not None:
            try:
                moment.astimezone(dt.UTC)
            except OverflowError:
                raise ValidationError(
                    "Date-time out of range: it must fall between years 1 and 9999 in UTC.", code="out_of_range"
                ) from None
        return moment


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField
