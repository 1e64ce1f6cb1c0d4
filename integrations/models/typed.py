"""Wrong-typed values refused by name rather than by crash.

Django's date and time fields parse strings; handed a number, a list or an object (which JSON makes
easy: `{"enrol_date": 5}`) they raise TypeError, a 500, instead of a validation error naming the field.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import models

# Per field kind: the Python types it accepts as already parsed (besides text to parse), and an example.
PARSED_TYPES = {
    models.DateTimeField: ((datetime.datetime,), "2025-01-31T08:00:00Z"),
    models.DateField: ((datetime.date,), "2025-01-31"),
    models.TimeField: ((datetime.time,), "08:00"),
    models.DurationField: ((datetime.timedelta,), "01:30:00"),
}


class TypedDatesModel(models.Model):
    """clean_fields() refuses a date, time or duration given as anything but text or its own type."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        exclude = set(exclude or ())
        errors = {}
        for field in self._meta.concrete_fields:
            if field.name in exclude:
                continue
            kind = next((kind for kind in PARSED_TYPES if isinstance(field, kind)), None)
            value = getattr(self, field.attname)
            if kind is None or value is None or isinstance(value, (str, *PARSED_TYPES[kind][0])):
                continue
            errors[field.name] = [f"Enter {field.verbose_name} as text, e.g. {PARSED_TYPES[kind][1]}."]
            exclude.add(field.name)
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
