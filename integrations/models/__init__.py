"""Platform models, one module per concern."""
from .cards import CardChange, IntegrationCard, LoyaltyCredential
from .platform import ApiAccess, Company, RetailStore, User, hash_api_key
from .runs import SyncRun, SyncRunEntry

__all__ = [
    "ApiAccess", "CardChange", "Company", "IntegrationCard", "LoyaltyCredential", "RetailStore", "SyncRun",
    "SyncRunEntry", "User", "hash_api_key",
]
