"""Things the admin home asks someone to act on."""
from .models import LoyaltyCredential
from .tenancy import scope_to_company


def unmapped_credentials(user):
    """Loyalty credentials no retail store is mapped to yet (L27): sales can't be attributed."""
    credentials = LoyaltyCredential.objects.filter(stores__isnull=True).select_related("card__company")
    return scope_to_company(credentials, user, "card__company")


def notices_for(user) -> list[str]:
    notices = []
    for credential in unmapped_credentials(user):
        notices.append(
            f'The Dutchie credential "{credential.store_name}" of {credential.card.company} is not mapped to a '
            "retail store: an onboarding specialist maps it in Company Account > Retail Store > Edit > Store "
            "Mappings (L9).")
    return notices
