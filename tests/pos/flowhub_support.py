"""Helpers of the FlowhubClient tests (tests/pos/test_flowhub_*.py other than the parse tests): a client
wired to a sandbox location, a sleep that never waits, what the sandbox serves."""
import requests

from integrations.pos.flowhub import FlowhubClient
from integrations.pos.http import RetryPolicy
from integrations.pos.records import ClientConfig


class Sleeps(list):
    """Stands in for time.sleep: records the delays, never waits (tests do not depend on the clock)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def config_for(box, **overrides) -> ClientConfig:
    return ClientConfig(**{"endpoint": box["base_url"], **box["credentials"], **overrides})


def client_for(box, *, attempts: int = 4, sleeps: Sleeps | None = None, read_timeout: float = 30.0,
               **overrides) -> FlowhubClient:
    config = config_for(box, **overrides)
    http = FlowhubClient.make_http(config, retry=RetryPolicy(attempts=attempts), read_timeout=read_timeout,
                                   sleep=sleeps if sleeps is not None else Sleeps())
    return FlowhubClient(config, http)


def raw(box, path, **params) -> list[dict]:
    """What the sandbox serves, read without the client, to check the mapping against."""
    creds = box["credentials"]
    response = requests.get(box["base_url"] + path, params=params, timeout=30,
                            headers={"clientId": creds["client_id"], "key": creds["api_key"]})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["data"] if "data" in body else body
