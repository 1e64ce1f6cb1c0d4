"""{% sync_panel %}: the Sync button (C3), Run Initial Sync (R4) and live progress, for the cards the
user may sync; {% dry_run_button card %}: the preview on a card's page (X2)."""
from django import template
from django.urls import reverse

from ..models import IntegrationCard, SyncRun
from ..sync import reap_stale_runs
from ..tenancy import scope_to_company

register = template.Library()


def _last_runs(cards) -> dict[int, SyncRun]:
    last = {}
    for run in SyncRun.objects.filter(card__in=cards, stream="inventory", dry_run=False).order_by("card", "-id"):
        last.setdefault(run.card_id, run)
    return last


@register.inclusion_tag("admin/integrations/sync_panel.html", takes_context=True)
def sync_panel(context):
    request = context["request"]
    cards = list(scope_to_company(IntegrationCard.objects.filter(kind="ecommerce").select_related("store"),
                                  request.user, "company").order_by("store__name", "vendor"))
    reap_stale_runs()  # a run whose worker died shows as failed, not running forever
    last = _last_runs(cards)
    return {
        "cards": [{"card": c, "last": last.get(c.pk)} for c in cards],
        "can_sync": request.user.has_perm("integrations.sync_integrationcard"),
        "start_url": reverse("admin:integrations_syncrun_start"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("admin/integrations/dry_run_button.html", takes_context=True)
def dry_run_button(context, card):
    return {"card": card, "start_url": reverse("admin:integrations_syncrun_start"),
            "csrf_token": context.get("csrf_token")}
