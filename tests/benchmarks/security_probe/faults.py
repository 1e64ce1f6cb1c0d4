"""Class 10: every sandbox fault on every demo card, one real sync each (`manage.py sync`), and the
menu before and after: a fault must fail the run, never lose or change a product."""
from concurrent.futures import ThreadPoolExecutor

from .harness import App, Tally, User, excerpt

FAULTS = "10. POS faults"
SLOW_SECONDS = 3


def menu_state(store_id: int) -> dict[str, float]:
    from catalog.models import Product

    return dict(Product.objects.filter(store_id=store_id).values_list("pos_product_id", "quantity"))


def sandbox_location(card):
    from integrations.sandbox.models import SandboxLocation

    return SandboxLocation.objects.get(name=f"{card.store.name} (sandbox)", vendor=card.vendor)


def clear_active_runs(card) -> None:
    """A run queued for a task cluster that does not run here would make `manage.py sync` join it."""
    from integrations.models import SyncRun

    SyncRun.objects.filter(card=card, status__in=SyncRun.ACTIVE).update(status=SyncRun.Status.FAILED)


def baseline(app: App) -> list[str]:
    """One clean sync of every demo card, so the menus hold products; returns what went wrong."""
    from integrations.models import IntegrationCard

    problems = []
    for card in IntegrationCard.objects.filter(kind="ecommerce").order_by("pk"):
        clear_active_runs(card)
        done = app.manage("sync", str(card.pk))
        if done.returncode or not menu_state(card.store_id):
            problems.append(f"card {card.pk}: {excerpt(done.stdout + done.stderr, 300)}")
    return problems


def probe_faults(app: App, users: dict[str, User], tally: Tally) -> None:
    from integrations.models import IntegrationCard
    from integrations.sandbox import services
    from integrations.sandbox.models import Fault

    onboarding = users["onboarding"]
    faults = [f for f in Fault if f != Fault.NONE]

    def one_card(card) -> list[tuple]:
        results = []
        location = sandbox_location(card)
        for fault in faults:
            before = menu_state(card.store_id)
            services.set_fault(location, fault.value, slow_seconds=SLOW_SECONDS, retry_after_seconds=1)
            clear_active_runs(card)
            done = app.manage("sync", str(card.pk), timeout=600)
            test = onboarding.call("POST", f"/api/v1/cards/{card.pk}/test-connection/")
            menu = onboarding.call("GET", f"/api/v1/stores/{card.store_id}/menu?page_size=500")
            services.set_fault(location, Fault.NONE.value)
            after = menu_state(card.store_id)
            lost = [pid for pid, qty in before.items() if after.get(pid) != qty]
            results.append((card, fault, done, test, menu, lost, len(before)))
        return results

    cards = list(IntegrationCard.objects.filter(kind="ecommerce").select_related("store").order_by("pk"))
    with ThreadPoolExecutor(len(cards)) as pool:
        outcomes = [r for rs in pool.map(one_card, cards) for r in rs]
    survived = 0
    for card, fault, done, test, menu, lost, had in outcomes:
        tally.tried(FAULTS, 3)
        where = f"card {card.pk} ({card.vendor}), fault {fault.value}"
        crashed = "Traceback" in done.stderr
        if lost:
            tally.fail(FAULTS, f"{where}: manage.py sync {card.pk}",
                       f"{len(lost)} of {had} products lost or changed; {excerpt(done.stdout, 200)}")
        if crashed:
            tally.fail(FAULTS, f"{where}: manage.py sync {card.pk}", f"crashed: {excerpt(done.stderr[-600:], 300)}")
        for label, answer in (("POST /api/v1/cards/%d/test-connection/", test),
                              ("GET /api/v1/stores/%d/menu?page_size=500", menu)):
            if answer.status_code >= 500:
                tally.fail(FAULTS, f"{where}: " + label % (card.pk if "cards" in label else card.store_id),
                           f"{answer.status_code} {excerpt(answer.text)}")
        if not lost and not crashed and test.status_code < 500 and menu.status_code < 500:
            survived += 1
    tally.notes[FAULTS] = f"{survived} of {len(outcomes)} faults survived"
