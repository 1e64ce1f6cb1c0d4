"""Dutchie's customer endpoints: the customer lists, EcomCustomerEdit (create or update) and the search."""
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ...faults import json_body
from ...models import RecordKind, SandboxLocation, SandboxRecord
from .api import (
    bad_params,
    bad_request,
    bool_param,
    datetime_param,
    int_param,
    modified_between,
    param,
    records,
    role_endpoint,
)
from .reference import CUSTOMER_STATUSES, guid, iso


def _customer_queryset(request: HttpRequest, location: SandboxLocation) -> QuerySet:
    return modified_between(records(location, RecordKind.CUSTOMER), datetime_param(request, "fromLastModifiedDateUTC"),
                            datetime_param(request, "toLastModifiedDateUTC"))


@role_endpoint("Customer")
@bad_params
def customers(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    queryset = _customer_queryset(request, location)
    include_anonymous = bool_param(request, "includeAnonymous", default=True)
    customer_id, unique_id = int_param(request, "customerID"), param(request, "uniqueId")
    if customer_id is not None:
        queryset = queryset.filter(external_id=str(customer_id))
    found = [c for c in queryset.values_list("data", flat=True)
             if (include_anonymous or not c["isAnonymous"]) and (unique_id is None or c["uniqueId"] == unique_id)]
    if not found and (customer_id is not None or unique_id is not None):
        return HttpResponse(status=404)  # documented: customer not found by customerID or uniqueId
    return JsonResponse(found, safe=False)


@role_endpoint("Customer")
@bad_params
def customers_paginated(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """PageNumber starts at 0 (the OpenAPI's word; the docs pages say 1 [our choice: 0]), PageSize
    defaults to 1000, at most 10000; a page past the end is `[]`."""
    page, size = int_param(request, "PageNumber", 0), int_param(request, "PageSize", 1000)
    if page < 0 or not 1 <= size <= 10_000:
        error = ("PageNumber", "PageNumber must be 0 or more.") if page < 0 else \
            ("PageSize", "PageSize must be between 1 and 10000.")
        return bad_request("One or more validation errors occurred.", [error])
    include_anonymous = bool_param(request, "includeAnonymous", default=True)
    found = [c for c in _customer_queryset(request, location).values_list("data", flat=True)
             if include_anonymous or not c["isAnonymous"]]
    return JsonResponse(found[page * size:(page + 1) * size], safe=False)


EDIT_REQUIRED = ("firstName", "address1", "city", "state", "postalCode", "status", "customerType")
EDIT_FIELDS = ("firstName", "lastName", "middleName", "nameSuffix", "namePrefix", "address1", "address2", "city",
               "state", "postalCode", "phone", "emailAddress", "status", "mmjidNumber", "mmjidExpirationDate",
               "customerType", "dateOfBirth", "externalCustomerId", "gender", "referralSource", "customIdentifier",
               "notes", "isLoyaltyMember")


@role_endpoint("Customer", method="POST")
def customer_edit(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """EcomCustomerEdit: creates when customerId is null/0, otherwise updates (404 when unknown)."""
    body = json_body(request)
    if not isinstance(body, dict):
        return bad_request("A non-empty request body is required.")
    missing = [name for name in EDIT_REQUIRED if not body.get(name)]
    errors = [(name, f"The {name} field is required.") for name in missing]
    if body.get("status") and body["status"] not in CUSTOMER_STATUSES:
        errors.append(("status", f"status must be one of {', '.join(CUSTOMER_STATUSES)}."))
    if errors:
        return bad_request("One or more validation errors occurred.", errors)
    now = timezone.now()
    customer_id = body.get("customerId") or 0
    if customer_id:
        record = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER,
                                              external_id=str(customer_id), deleted=False).first()
        if record is None:
            return JsonResponse(f"Customer {customer_id} not found", status=404, safe=False)
        data = record.data
    else:
        last = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER).aggregate(
            Max("position"))["position__max"] or 0
        customer_id = _next_customer_id(location)
        record = SandboxRecord(location=location, kind=RecordKind.CUSTOMER, external_id=str(customer_id),
                               position=last + 1)
        data = {
            "customerId": customer_id, "uniqueId": guid(location.pk, "customer", customer_id, now.timestamp()),
            "name": None, "firstName": None, "lastName": None, "middleName": None, "nameSuffix": None,
            "namePrefix": None, "address1": None, "address2": None, "city": None, "state": None,
            "postalCode": None, "phone": None, "cellPhone": None, "emailAddress": None, "status": None,
            "mmjidNumber": None, "mmjidExpirationDate": None, "lastModifiedDateUTC": None,
            "creationDate": iso(now), "customerType": None, "gender": None, "driversLicenseHash": None,
            "dateOfBirth": None, "externalCustomerId": None, "createdByIntegrator": "Canopy",
            "isAnonymous": False, "referralSource": None, "otherReferralSource": None, "springBigMemberId": 0,
            "customIdentifier": None, "discountGroups": [], "createdAtLocation": location.name, "notes": None,
            "isLoyaltyMember": None, "primaryQualifyingCondition": None, "secondaryQualifyingConditions": [],
            "mergedIntoCustomerId": None, "optedIntoMarketing": None, "loyaltyTier": None,
        }
    for name in EDIT_FIELDS:
        if name in body:
            data[name] = body[name]
    data["cellPhone"] = data["phone"]
    data["name"] = " ".join(part for part in (data["firstName"], data["lastName"]) if part)
    data["lastModifiedDateUTC"] = iso(now)
    record.data, record.modified_at = data, now
    record.phone, record.email = data["phone"] or "", data["emailAddress"] or ""
    record.save()
    return JsonResponse(data)


def _next_customer_id(location: SandboxLocation) -> int:
    ids = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER).values_list("external_id",
                                                                                                flat=True)
    return max((int(i) for i in ids), default=5000) + 1


def _digits(value) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())[-10:]


@role_endpoint("Customer", method="POST")
def customer_search(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Each criterion matches on its own (lastName only with dateOfBirth); one customer can appear once per
    matching criterion. matchType strings are [our choice]: the spec names none."""
    body = json_body(request)
    body = body if isinstance(body, dict) else {}
    criteria = {k: body.get(k) for k in ("lastName", "dateOfBirth", "phone", "emailAddress", "mmjidNumber",
                                         "driversLicenseId") if body.get(k)}
    if not criteria:
        return bad_request("At least one search criterion must be provided.")
    if bool(criteria.get("lastName")) != bool(criteria.get("dateOfBirth")) and not (
            set(criteria) - {"lastName", "dateOfBirth"}):
        return bad_request("LastName and DateOfBirth must be used together.",
                            [("lastName", "LastName requires DateOfBirth."),
                             ("dateOfBirth", "DateOfBirth requires LastName.")])
    results = []
    for customer in records(location, RecordKind.CUSTOMER).values_list("data", flat=True):
        checks = [
            ("MMJID", criteria.get("mmjidNumber") and customer["mmjidNumber"] == criteria["mmjidNumber"]),
            ("Email", criteria.get("emailAddress") and (customer["emailAddress"] or "").lower()
             == criteria["emailAddress"].lower()),
            ("Phone", criteria.get("phone") and _digits(customer["phone"]) and _digits(customer["phone"])
             == _digits(criteria["phone"])),
            ("LastNameDateOfBirth", criteria.get("lastName") and criteria.get("dateOfBirth")
             and (customer["lastName"] or "").lower() == criteria["lastName"].lower()
             and (customer["dateOfBirth"] or "")[:10] == str(criteria["dateOfBirth"])[:10]),
        ]
        results.extend({"matchType": match, **customer} for match, hit in checks if hit)
    return JsonResponse(results, safe=False)
