"""Typed fields for a card's `settings` and `credentials` in the API, so a wrong-typed value is a 400 naming
the field, never a stored value that breaks the card later. The names come from the vendors' descriptions;
the types from the card model, with the JSON columns given their real shapes."""
from rest_framework import serializers

from ..models import IntegrationCard
from ..models.cards import SYNCABLE_FIELDS
from ..pos import registry

CREDENTIAL_FIELDS = list(registry.CREDENTIAL_FIELDS)
SECRET_FIELDS = set(registry.SECRET_FIELDS)
SETTING_FIELDS = list(registry.SETTING_FIELDS)



def _pos_ids() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=64), required=False)


def _secret() -> serializers.CharField:
    return serializers.CharField(write_only=True, required=False, allow_blank=True, trim_whitespace=True,
                                 help_text="Write-only; blank keeps the stored value.")


class _NoUnknownKeys:
    """Refuse keys this object does not have, naming them (DRF would silently drop them)."""

    what = "settings"

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({str(name): [f"Unknown {self.what[:-1]}: {name}."]
                                                   for name in unknown})
        return super().to_internal_value(data)


def _date(name: str) -> serializers.DateField:
    label = IntegrationCard._meta.get_field(name).verbose_name
    return serializers.DateField(required=False, allow_null=True, input_formats=["iso-8601"],
                                 error_messages={"invalid": f"Enter {label} as text, e.g. 2025-01-31.",
                                                 "datetime": f"Enter {label} as text, e.g. 2025-01-31."})


class CardSettingsSerializer(_NoUnknownKeys, serializers.ModelSerializer):
    what = "settings"
    synced_fields = serializers.ListField(child=serializers.ChoiceField(SYNCABLE_FIELDS), required=False)
    category_mapping = serializers.DictField(child=serializers.CharField(max_length=100, allow_blank=True),
                                             required=False)
    lab_unit_mapping = serializers.DictField(child=serializers.CharField(max_length=20), required=False)
    area_ids = _pos_ids()
    master_pin = _secret()
    sms_double_opt_in_date = _date("sms_double_opt_in_date")
    enrol_date = _date("enrol_date")

    class Meta:
        model = IntegrationCard
        fields = SETTING_FIELDS
        extra_kwargs = {name: {"required": False} for name in SETTING_FIELDS}
        validators = []


class CardCredentialsSerializer(_NoUnknownKeys, serializers.ModelSerializer):
    what = "credentials"
    room_ids = _pos_ids()

    class Meta:
        model = IntegrationCard
        fields = CREDENTIAL_FIELDS
        extra_kwargs = {name: {"required": False} for name in CREDENTIAL_FIELDS}
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        for name in SECRET_FIELDS & set(fields):
            fields[name] = _secret()
        return fields


class LoyaltyCredentialInput(serializers.Serializer):
    store_name = serializers.CharField(max_length=200)
    api_key = serializers.CharField(max_length=500)
    state = serializers.CharField(max_length=2, required=False, allow_blank=True)

