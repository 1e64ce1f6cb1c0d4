"""Platform models, one module per concern."""
from .cards import CardChange, IntegrationCard, LoyaltyCredential
from .platform import ApiAccess, Company, RetailStore, User, hash_api_key

__all__ = [
    "ApiAccess", "CardChange", "Company", "IntegrationCard", "LoyaltyCredential", "RetailStore", "User",
    "hash_api_key",
]
