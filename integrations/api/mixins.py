from ..tenancy import scope_to_company


class CompanyScopedViewMixin:
    """Same rule as the admin: querysets filtered to the user's company, so another company's id
    answers 404."""

    company_path = "company"

    def get_queryset(self):
        return scope_to_company(super().get_queryset(), self.request.user, self.company_path)
