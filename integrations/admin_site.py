"""Canopy's admin site: the application's UI, grouped in the documents' words.

Django groups models by app; the documents group screens by task (Store > Integrations,
Menu > Products...). SECTIONS maps each model to its section; a section with no models yet, or none
the user may see, is not shown.
"""
from django.contrib import admin

SECTIONS: list[tuple[str, list[str]]] = [
    ("Store", ["integrations.IntegrationCard"]),
    ("Menu", ["catalog.Product", "catalog.ReviewItem", "catalog.StorefrontKey"]),
    ("Manage", ["orders.Order", "integrations.SyncRun"]),
    ("Customers", ["loyalty.Persona", "loyalty.Audience", "loyalty.Discount"]),
    ("Settings", ["integrations.ApiAccess", "integrations.CardChange"]),
    ("Company Account", [
        "integrations.Company", "integrations.RetailStore", "integrations.User", "auth.Group",
    ]),
    ("Sandbox POS", ["sandbox.SandboxLocation"]),
    ("Task queue", ["django_q.Schedule", "django_q.Success", "django_q.Failure", "django_q.OrmQ"]),
]


class CanopyAdminSite(admin.AdminSite):
    site_header = "Canopy"
    site_title = "Canopy"
    index_title = "Dispensary integrations"

    def index(self, request, extra_context=None):
        from .notices import notices_for

        extra_context = {**(extra_context or {}), "notices": notices_for(request.user)}
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        if app_label:
            return super().get_app_list(request, app_label)
        by_key = {}
        for app in self._build_app_dict(request).values():
            for model in app["models"]:
                by_key[f"{app['app_label']}.{model['object_name']}"] = (app, model)
        sections, placed = [], set()
        for title, keys in SECTIONS:
            found = [by_key[key] for key in keys if key in by_key]
            if not found:
                continue
            placed.update(key for key in keys if key in by_key)
            first_app = found[0][0]
            sections.append({
                "name": title,
                "app_label": first_app["app_label"],
                "app_url": first_app["app_url"],
                "has_module_perms": True,
                "models": [model for _, model in found],
            })
        # A model nobody placed still appears, under its app, rather than vanishing.
        leftovers = {}
        for key, (app, model) in by_key.items():
            if key not in placed:
                leftovers.setdefault(app["name"], {**app, "models": []})["models"].append(model)
        return sections + list(leftovers.values())
