"""Company scoping: one rule for the admin and the API, so a user of company A never sees company B.

A guessed id of another company's object is simply not in the queryset, so views answer 404.
"""
from django.db.models import Model, QuerySet


def scope_to_company(queryset: QuerySet, user, company_path: str) -> QuerySet:
    """Rows of `queryset` the user may see. `company_path` is the lookup from the model to its
    Company ("company", "store__company", or "" for Company itself)."""
    if not user or not user.is_authenticated:
        return queryset.none()
    if user.sees_all_companies:
        return queryset
    if user.company_id is None:
        return queryset.none()
    lookup = f"{company_path}__pk" if company_path else "pk"
    return queryset.filter(**{lookup: user.company_id})


def company_of(obj: Model, company_path: str):
    """Follow `company_path` from an object to its Company."""
    target = obj
    for part in filter(None, company_path.split("__")):
        target = getattr(target, part)
    return target
