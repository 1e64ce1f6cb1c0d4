"""Signing in and finding your way through the admin's menu, in a real browser."""
from integrations import roles
from tests.factories import PASSWORD, RetailStoreFactory, UserFactory

from .conftest import login


def test_staff_signs_in_and_sees_only_their_company_stores(
    page, live_server, screenshot, company_a, store_a, store_b
):
    second_store_a = RetailStoreFactory(company=company_a, name="Acme Riverside")
    UserFactory(username="staff-a", company=company_a, role=roles.DISPENSARY_STAFF)

    login(page, live_server, "staff-a", PASSWORD)
    assert page.locator("h1").first.inner_text() == "Dispensary integrations"
    assert page.locator("caption", has_text="Company Account").is_visible()

    # Through the menu, not by URL: the index link must lead to the list.
    page.get_by_role("link", name="Retail stores", exact=True).first.click()
    page.wait_for_url("**/admin/integrations/retailstore/")

    names = page.locator("#result_list tbody th a, #result_list tbody td.field-name a")
    shown = sorted({text.strip() for text in names.all_inner_texts()})
    assert shown == sorted([store_a.name, second_store_a.name])
    assert store_b.name not in page.content()
    assert "2 retail stores" in page.locator(".paginator").inner_text()

    path = screenshot(page, "retail-stores-staff")
    assert path.stat().st_size > 5_000
