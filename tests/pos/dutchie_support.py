"""Helpers of the DutchieClient tests (tests/pos/test_dutchie_*.py other than the parse tests): a client
wired to a sandbox location, a sleep that never waits, what the sandbox serves and what the client sent."""
import requests

from integrations.pos.dutchie import DutchieClient
from integrations.pos.http import RetryPolicy
from integrations.pos.records import ClientConfig
from integrations.sandbox import services
from integrations.sandbox.models import Fault


class Sleeps(list):
    """Stands in for time.sleep: records each delay and never waits; `then` runs after the first one
    (e.g. switching the sandbox fault off, as if the POS recovered while we waited)."""

    def __init__(self, then=None):
        super().__init__()
        self.then = then

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.then is not None:
            self.then()
            self.then = None


def config_for(box, **overrides) -> ClientConfig:
    return ClientConfig(**{"endpoint": box["base_url"], **box["credentials"], **overrides})


def client_for(box, *, attempts: int = 4, sleeps: Sleeps | None = None, read_timeout: float = 30.0,
               **overrides) -> DutchieClient:
    config = config_for(box, **overrides)
    http = DutchieClient.make_http(config, retry=RetryPolicy(attempts=attempts), read_timeout=read_timeout,
                                   sleep=sleeps if sleeps is not None else Sleeps())
    return DutchieClient(config, http)


def raw(box, path, **params):
    """What the sandbox serves, read without the client, to check the mapping against."""
    response = requests.get(box["base_url"] + path, params=params, timeout=30,
                            auth=(box["credentials"]["api_key"], ""))
    assert response.status_code == 200, response.text
    return response.json()


def requests_to(client: DutchieClient, path: str) -> list[requests.PreparedRequest]:
    """Every request the client sends whose URL contains `path` (a session response hook)."""
    seen = []

    def hook(response, *args, **kwargs):
        if path in response.request.url:
            seen.append(response.request)

    client.http.session.hooks["response"].append(hook)
    return seen


def switch_off(box):
    return lambda: services.set_fault(box["location"], Fault.NONE)
