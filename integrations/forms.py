"""The card form: every documented setting, secrets write-only, rooms picked from the POS."""
from django import forms

from .cards import show_secret
from .endpoints import check_endpoint
from .models import IntegrationCard
from .models.cards import DATA_TYPES, SYNCABLE_FIELDS, default_data_types, default_synced_fields
from .pos.records import ClientConfig
from .pos.registry import VENDORS
from .pos.spec import ECOMMERCE


class SecretInput(forms.PasswordInput):
    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)


class PosPickField(forms.MultipleChoiceField):
    """Rooms / areas ticked from the POS's list. The list is loaded from the POS after the page is shown
    (never while the page waits), so a posted id the page did not list yet is still accepted: the POS
    decides at Test Connection and at the next sync whether it exists."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and 0 < len(value) <= 64 and value.isprintable()


class PosRoomField(forms.ChoiceField):
    """Flowhub's one room (F1, F7), picked by name and stored by its id; see PosPickField."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and len(value) <= 64 and value.isprintable()


class IntegrationCardForm(forms.ModelForm):
    """Blank secret = keep the stored one (never sent back to the browser). Saving an enabled card
    whose credentials changed runs Test Connection first; a failure needs "Save anyway" (R2)."""

    data_types = forms.MultipleChoiceField(choices=[(t, t.title()) for t in DATA_TYPES], required=False,
                                           widget=forms.CheckboxSelectMultiple, initial=default_data_types,
                                           help_text="What this card syncs (R3).")
    synced_fields = forms.MultipleChoiceField(
        choices=[(f, f.replace("_", " ").title()) for f in SYNCABLE_FIELDS], required=False,
        widget=forms.CheckboxSelectMultiple, label="POS Settings: fields that sync", initial=default_synced_fields,
        help_text="A field left out keeps the value edited here (C8).")
    room_ids = PosPickField(choices=[], required=False, widget=forms.CheckboxSelectMultiple, label="Room IDs",
                            help_text="Only inventory in the rooms ticked here is used; none ticked = every room (D1).")
    area_ids = PosPickField(choices=[], required=False, widget=forms.CheckboxSelectMultiple, label="Areas",
                            help_text="The area(s) to pull inventory from (A1).")
    api_endpoint = forms.URLField(
        label="API endpoint", required=False, max_length=300, assume_scheme="https",
        help_text=IntegrationCard._meta.get_field("api_endpoint").help_text)
    save_anyway = forms.BooleanField(
        required=False, label="Save even though Test Connection failed",
        help_text="Test Connection runs before Save; tick this to keep settings the POS refused (R2).")

    class Meta:
        model = IntegrationCard
        # Every setting is on the form; the admin's fieldsets choose which ones a vendor shows.
        fields = [f.name for f in IntegrationCard._meta.fields if f.editable and f.name not in ("id", "connected_at")]
        widgets = {name: SecretInput() for name in IntegrationCard.SECRET_FIELDS}

    def __init__(self, *args, rooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection_result = None
        for name in IntegrationCard.SECRET_FIELDS:
            if name in self.fields:
                field = self.fields[name]
                field.required = False
                stored = getattr(self.instance, name, "")
                if stored:
                    field.help_text = (f"Stored: {show_secret(name, stored)}. Leave blank to keep it. "
                                       + field.help_text)
        # Rooms / areas the POS reported, plus whatever is already chosen (so nothing silently drops).
        for name in ("room_ids", "area_ids"):
            if name in self.fields:
                current = [str(v) for v in (getattr(self.instance, name) or [])]
                choices = [(str(r.id), f"{r.name} ({r.id})" + ("" if r.sellable else " - not for sale"))
                           for r in rooms or []]
                known = {c[0] for c in choices}
                choices += [(v, f"{v} (not reported by the POS)") for v in current if v not in known]
                self.fields[name].choices = choices
                self.initial.setdefault(name, current)
        # Flowhub takes one room (F1, F7): offer the POS's rooms by name, stored by their 32-character id.
        if "room_id" in self.fields and rooms:
            current = self.instance.room_id
            choices = [("", "Every room")] + [(r.id, f"{r.name} ({r.id})") for r in rooms]
            if current and current not in {r.id for r in rooms}:
                choices.append((current, f"{current} (not reported by the POS)"))
            field = self.fields["room_id"]
            self.fields["room_id"] = PosRoomField(choices=choices, required=False, label=field.label,
                                                  help_text=field.help_text, validators=field.validators)

    def _keep_stored_secrets(self) -> None:
        """A secret left blank keeps the stored one: it is never sent to the browser to come back."""
        for name in IntegrationCard.SECRET_FIELDS:
            if name in self.cleaned_data:
                value = (self.cleaned_data.get(name) or "").strip()
                self.cleaned_data[name] = value or getattr(self.instance, name, "")

    def _clean_mapping(self, name: str) -> dict:
        """An emptied mapping is no mapping ({}); anything but names to names is refused in words."""
        value = self.cleaned_data.get(name)
        if value in (None, "", []):
            return {}
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in value.items()):
            raise forms.ValidationError('Write it as names to names, e.g. {"Prerolls": "Pre-Rolls"}.')
        return value

    def clean_category_mapping(self) -> dict:
        return self._clean_mapping("category_mapping")

    def clean_lab_unit_mapping(self) -> dict:
        return self._clean_mapping("lab_unit_mapping")

    def clean_api_endpoint(self) -> str:
        value = (self.cleaned_data.get("api_endpoint") or "").strip()
        vendor = self.data.get("vendor") or self.instance.vendor
        if vendor in VENDORS:
            check_endpoint(vendor, value)
        return value

    def _secrets_follow_the_endpoint(self) -> None:
        """A stored secret is only ever sent to the address it was saved for: with a new API endpoint, every
        secret the card holds must be typed again, so Test Connection cannot hand it to another address."""
        if self.instance.pk is None or "api_endpoint" not in self.cleaned_data:
            return
        if (self.cleaned_data["api_endpoint"] or "") == (self.instance.api_endpoint or ""):
            return
        for name in IntegrationCard.SECRET_FIELDS:
            typed = (self.data.get(name) or "").strip()
            if name in self.fields and getattr(self.instance, name, "") and not typed:
                self.add_error(name, "The API endpoint changed: enter this again (a stored secret is never sent "
                                     "to a new address).")
        # The loyalty card's keys are its credentials (one per location): each must be typed again too.
        stored = set(self.instance.credentials.values_list("pk", flat=True))
        retyped = {int(self.data[key]) for key in self.data if key.startswith("credentials-") and key.endswith("-id")
                   and str(self.data[key]).isdigit()
                   and (self.data.get(key[:-3] + "-api_key") or "").strip()}
        if stored - retyped:
            self.add_error("api_endpoint", "The API endpoint changed: enter every location's API key again below "
                                           "(a stored key is never sent to a new address).")

    def _vendor(self) -> str:
        return self.cleaned_data.get("vendor") or self.instance.vendor

    def client_config(self) -> ClientConfig:
        """The entered values (stored secrets where left blank), for Test Connection before Save."""
        card = IntegrationCard(vendor=self._vendor(),
                               api_endpoint=self.cleaned_data.get("api_endpoint", self.instance.api_endpoint))
        names = VENDORS[card.vendor].kinds[ECOMMERCE].client_fields
        return ClientConfig.from_values(card.endpoint, names, lambda name: self.cleaned_data.get(
            name, getattr(self.instance, name, None)))

    def credentials_changed(self) -> bool:
        """Did anything Test Connection depends on change (or is the card being switched on)?"""
        if self.instance.pk is None:
            return True
        saved = IntegrationCard.objects.get(pk=self.instance.pk)
        watched = set(VENDORS[saved.vendor].kinds[ECOMMERCE].client_fields) | {"api_endpoint", "enabled"}
        for name in watched & set(self.cleaned_data):
            new, old = self.cleaned_data[name], getattr(saved, name)
            if name in ("room_ids", "area_ids"):
                new, old = sorted(map(str, new or [])), sorted(map(str, old or []))
            if (new or "") != (old or ""):
                return True
        return False

    def card_for_test(self) -> IntegrationCard:
        get = self.cleaned_data.get
        return IntegrationCard(pk=self.instance.pk, vendor=get("vendor") or self.instance.vendor,
                               kind=get("kind") or self.instance.kind,
                               store=get("store") or (self.instance.store if self.instance.store_id else None),
                               api_endpoint=get("api_endpoint", self.instance.api_endpoint))

    def run_connection_test(self):
        from .cards import test_connection

        self.connection_result = test_connection(self.card_for_test(), self.client_config())
        return self.connection_result

    def clean(self):
        from .cards import ConnectionRefusedOnSave, check_connection_before_save

        self._secrets_follow_the_endpoint()
        self._keep_stored_secrets()
        cleaned = super().clean()
        if self.errors or not cleaned.get("enabled", self.instance.enabled) or not self.credentials_changed():
            return cleaned
        try:
            self.connection_result = check_connection_before_save(
                self.card_for_test(), self.client_config(), save_anyway=bool(cleaned.get("save_anyway")))
        except ConnectionRefusedOnSave as refused:
            self.connection_result = refused.result
            raise forms.ValidationError(
                f"Test Connection failed: {refused.result.message} Correct the settings, or tick "
                "\"Save even though Test Connection failed\" to save them anyway.") from refused
        return cleaned
