from rest_framework import serializers

from ..models import Company, RetailStore


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "slug", "uid", "created_at"]
        read_only_fields = fields


class RetailStoreSerializer(serializers.ModelSerializer):
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False,
        help_text="Onboarding specialists name the company; everyone else gets their own.",
    )

    class Meta:
        model = RetailStore
        fields = ["id", "company", "name", "state", "timezone", "location_type", "address", "city",
                  "postal_code", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The company/name uniqueness is checked in validate(), after the company is known.
        validators = []

    def validate(self, attrs):
        user = self.context["request"].user
        if user.sees_all_companies:
            if "company" not in attrs and self.instance is None:
                raise serializers.ValidationError({"company": "Say which company the store belongs to."})
        else:
            if user.company_id is None:
                raise serializers.ValidationError("Your account belongs to no company.")
            requested = attrs.get("company")
            if requested is not None and requested.pk != user.company_id:
                # Same answer as for a company that does not exist: no hint that it does.
                raise serializers.ValidationError(
                    {"company": [f'Invalid pk "{requested.pk}" - object does not exist.']}
                )
            attrs["company"] = Company.objects.get(pk=user.company_id)
        company = attrs.get("company") or self.instance.company
        name = attrs.get("name") or self.instance.name
        clash = RetailStore.objects.filter(company=company, name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"name": "This company already has a store with this name."})
        return attrs
