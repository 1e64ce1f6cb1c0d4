"""Cards in the JSON API: what the admin does, with the same validation and permissions, so a chain
can provision 50 stores by script (issue: cards and POS clients)."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from .. import cards
from ..endpoints import check_endpoint
from ..models import Company, IntegrationCard, LoyaltyCredential, RetailStore
from ..models.cards import DATA_TYPES, CardKind
from ..pos.records import ClientConfig
from ..tenancy import scope_to_company
from .card_fields import (
    CREDENTIAL_FIELDS,
    SECRET_FIELDS,
    SETTING_FIELDS,
    CardCredentialsSerializer,
    CardSettingsSerializer,
    LoyaltyCredentialInput,
)

# Credentials are write-only (secrets come back masked, identifiers in full); settings have one key per
# documented toggle. Both lists come from the vendors' descriptions (card_fields.py types them).


class LoyaltyCredentialSerializer(serializers.ModelSerializer):
    api_key = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                    help_text="Write-only; blank keeps the stored key.")
    api_key_masked = serializers.SerializerMethodField()
    mapped_stores = serializers.SerializerMethodField()

    class Meta:
        model = LoyaltyCredential
        fields = ["id", "store_name", "api_key", "api_key_masked", "state", "mapped_stores"]

    def get_api_key_masked(self, obj) -> str:
        return cards.show_secret("api_key", obj.api_key)

    def get_mapped_stores(self, obj) -> list[int]:
        return [s.pk for s in obj.stores.all()]


class IntegrationCardSerializer(serializers.ModelSerializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    store = serializers.PrimaryKeyRelatedField(queryset=RetailStore.objects.all(), required=False, allow_null=True)
    credentials = serializers.JSONField(write_only=True, required=False, help_text=(
        "Write-only: " + ", ".join(CREDENTIAL_FIELDS) + ". Blank or absent secrets keep the stored value. "
        "For the loyalty card: store_name + api_key (+ state) adds a credential; or a list of them."))
    credentials_masked = serializers.SerializerMethodField()
    settings = serializers.JSONField(required=False, help_text="One key per documented toggle: "
                                     + ", ".join(SETTING_FIELDS) + " (master_pin is write-only).")
    api_endpoint = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                         help_text="The POS's API address; blank for the vendor's production one.")
    data_types = serializers.ListField(child=serializers.ChoiceField(DATA_TYPES), required=False)
    loyalty_credentials = LoyaltyCredentialSerializer(source="credentials", many=True, read_only=True)
    save_anyway = serializers.BooleanField(write_only=True, required=False, default=False,
                                           help_text="Save even though Test Connection failed (R2).")
    last_test = serializers.SerializerMethodField()

    class Meta:
        model = IntegrationCard
        fields = ["id", "company", "store", "vendor", "kind", "enabled", "api_endpoint", "sync_frequency",
                  "data_types", "direction", "credentials", "credentials_masked", "settings",
                  "loyalty_credentials", "save_anyway", "last_test", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # uniqueness is checked on the built card, like the admin form does

    # --- representation ------------------------------------------------------------------------
    def get_credentials_masked(self, obj) -> dict:
        return {name: (cards.show_secret(name, getattr(obj, name)) if name in SECRET_FIELDS else getattr(obj, name))
                for name in CREDENTIAL_FIELDS}

    def get_last_test(self, obj) -> dict:
        return {"ok": obj.last_test_ok, "message": obj.last_test_message, "at": obj.last_tested_at}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["settings"] = {name: getattr(instance, name) for name in SETTING_FIELDS if name != "master_pin"}
        for key in ("sms_double_opt_in_date", "enrol_date"):
            if data["settings"][key]:
                data["settings"][key] = data["settings"][key].isoformat()
        data["settings"]["master_pin"] = cards.show_secret("master_pin", instance.master_pin)
        return data

    # --- validation: the same rules as the admin ---------------------------------------------
    def validate_api_endpoint(self, value: str) -> str:
        vendor = (self.initial_data.get("vendor") if isinstance(self.initial_data, dict) else None) or (
            self.instance.vendor if self.instance else "")
        try:
            check_endpoint(vendor, value)
        except DjangoValidationError as refused:
            raise serializers.ValidationError(refused.messages) from refused
        return value

    def validate(self, attrs):
        request = self.context["request"]
        user = request.user
        instance = self.instance
        if instance is not None:
            for locked in ("vendor", "kind", "store", "company"):
                if locked in attrs and attrs[locked] != getattr(instance, locked):
                    raise serializers.ValidationError({locked: "Cannot be changed once the card exists."})
        store = attrs.get("store") if "store" in attrs else (instance.store if instance else None)
        if store is not None and not scope_to_company(RetailStore.objects.filter(pk=store.pk), user, "company"):
            raise serializers.ValidationError({"store": [f'Invalid pk "{store.pk}" - object does not exist.']})
        kind = attrs.get("kind") or (instance.kind if instance else CardKind.ECOMMERCE)
        if kind == CardKind.ECOMMERCE and store is None:
            raise serializers.ValidationError({"store": "An ecommerce card belongs to a retail store."})
        if store is not None:
            company = store.company
        elif user.sees_all_companies:
            company = attrs.get("company") or (instance.company if instance else None)
            if company is None:
                raise serializers.ValidationError({"company": "Say which company the card belongs to."})
        else:
            company = Company.objects.get(pk=user.company_id)
        attrs["company"] = company

        settings_in = _typed(CardSettingsSerializer, attrs.pop("settings", None) or {}, "settings")
        advanced = set(settings_in) & set(IntegrationCard.ADVANCED_FIELDS)
        if advanced and not user.has_perm("integrations.change_advanced_settings"):
            current = {name: getattr(instance, name) if instance else IntegrationCard._meta.get_field(name).default
                       for name in advanced}
            changed = {n for n in advanced if (settings_in[n] or "") != (current[n] or "")}
            if changed:
                raise serializers.ValidationError({"settings": "Only onboarding specialists can change advanced "
                                                   f"settings (L6): {', '.join(sorted(changed))}."})

        credentials_in = attrs.pop("credentials", None)
        loyalty_in = []
        if kind == CardKind.LOYALTY and credentials_in is not None:
            given = credentials_in if isinstance(credentials_in, list) else [credentials_in]
            loyalty = LoyaltyCredentialInput(data=given, many=True)
            if not loyalty.is_valid():
                raise serializers.ValidationError({"credentials": "Each loyalty credential needs store_name and "
                                                                  "api_key.", "details": loyalty.errors})
            loyalty_in = loyalty.validated_data
            credentials_in = {}
        credentials_in = _typed(CardCredentialsSerializer, credentials_in or {}, "credentials")

        card = instance or IntegrationCard()
        before = cards.snapshot(card)
        if instance is not None and "api_endpoint" in attrs and (attrs["api_endpoint"] or "") != (
                instance.api_endpoint or ""):
            # A stored secret is only ever sent to the address it was saved for (never tested against a new one).
            if instance.credentials.exists():
                raise serializers.ValidationError({"api_endpoint": "This card holds location keys, and a stored key "
                                                   "is never sent to a new address: remove its credentials, change "
                                                   "the endpoint, then add them again."})
            sent = card.spec.kinds[kind].credentials if kind in card.spec.kinds else ()
            missing = [n for n in SECRET_FIELDS & set(sent) if getattr(instance, n, "") and not credentials_in.get(n)]
            if missing:
                raise serializers.ValidationError({"credentials": "The API endpoint changed: send "
                                                   f"{', '.join(sorted(missing))} again (a stored secret is never "
                                                   "sent to a new address)."})
        for name, value in attrs.items():
            if name != "save_anyway":
                setattr(card, name, value)
        for name, value in {**settings_in, **credentials_in}.items():
            if name in SECRET_FIELDS and not value:
                continue  # blank keeps the stored secret
            setattr(card, name, value)
        try:
            card.full_clean(exclude=["company"] if card.company_id is None else None)
        except DjangoValidationError as error:
            raise serializers.ValidationError(_api_errors(error)) from error
        watched = set(CREDENTIAL_FIELDS) | {"api_endpoint", "enabled"}
        changed = instance is None or any(before.get(n) != getattr(card, n) for n in watched)
        result = None
        if card.enabled and changed and kind == CardKind.ECOMMERCE:
            try:
                result = cards.check_connection_before_save(card, ClientConfig.from_card(card),
                                                            save_anyway=attrs.get("save_anyway", False))
            except cards.ConnectionRefusedOnSave as refused:
                raise serializers.ValidationError({
                    "credentials": f"Test Connection failed: {refused.result.message} Correct the credentials, or "
                                   "send save_anyway: true to save them anyway.",
                    "details": refused.result.details}) from refused
        return {"card": card, "before": before, "loyalty": loyalty_in, "result": result}

    @transaction.atomic
    def save(self, **kwargs):
        data = self.validated_data
        card = data["card"]
        cards.save_card(card, self.context["request"].user, before=data["before"])
        for credential in data["loyalty"]:
            LoyaltyCredential.objects.create(card=card, store_name=credential["store_name"],
                                             api_key=credential["api_key"], state=credential.get("state", ""))
            cards.record_credential_change(card, self.context["request"].user, credential["store_name"], "added")
        self.instance = card
        return card


def _typed(serializer_class, data, name: str) -> dict:
    """`data` checked field by field against its typed serializer; the errors name the field."""
    serializer = serializer_class(data=data, partial=True)
    if not serializer.is_valid():
        raise serializers.ValidationError({name: serializer.errors})
    return dict(serializer.validated_data)


def _api_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "message_dict"):
        return {("settings" if k in SETTING_FIELDS else "credentials" if k in CREDENTIAL_FIELDS else k): v
                for k, v in error.message_dict.items()}
    return {"non_field_errors": error.messages}
