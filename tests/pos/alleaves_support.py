"""Helpers of the AlleavesClient tests (tests/pos/test_alleaves_*.py other than the parse tests)."""
from integrations.sandbox.models import RecordKind, SandboxRecord

SELLABLE_AREAS = ["1000", "1001"]  # Sales Floor and Display Case (Retail) in the sandbox


def customer_rows(location) -> list[dict]:
    return list(SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)
                .order_by("position", "id").values_list("data", flat=True))
