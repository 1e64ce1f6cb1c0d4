import factory
from django.contrib.auth.models import Group

from integrations import roles
from integrations.models import Company, RetailStore, User

PASSWORD = "test-pass-123"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")


class RetailStoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetailStore

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    state = "CO"
    timezone = "America/Denver"
    location_type = "recreational"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    company = factory.SubFactory(CompanyFactory)
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            roles.sync_roles()
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()
