"""JSON from requests, with a nesting limit.

Python's json module recurses once per level: a body nested a few thousand levels deep raises
RecursionError (a 500), and data nested hundreds deep breaks any recursive code that walks it later.
No request Canopy accepts needs more than a handful of levels, so everything that parses a request
body goes through here: the API's parser, the sandbox POS views, and the admin's JSON form fields.
DepthGuardMiddleware answers 400 to a RecursionError any other request path still meets.
"""
import json
import logging
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
TOO_DEEP = f"The JSON is nested too deeply: at most {MAX_JSON_DEPTH} levels of arrays and objects are accepted."

logger = logging.getLogger(__name__)


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than MAX_JSON_DEPTH."""

    def __init__(self) -> None:
        super().__init__(TOO_DEEP)


def depth(value: Any) -> int:
    """Levels of lists and dicts in `value` (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            return level
        stack.extend((child, level + 1) for child in children)
    return deepest


def check_depth(value: Any) -> Any:
    if depth(value) > MAX_JSON_DEPTH:
        raise JSONTooDeep()
    return value


def loads(data: str | bytes, **kwargs) -> Any:
    """json.loads, raising JSONTooDeep (a ValueError) for a document nested too deeply."""
    try:
        value = json.loads(data, **kwargs)
    except RecursionError:
        raise JSONTooDeep() from None
    return check_depth(value)


class DepthLimitedJSONParser(JSONParser):
    """The API's JSON parser: DRF's, plus the nesting limit (400, saying so, instead of a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - {TOO_DEEP}") from None
        try:
            return check_depth(data)
        except JSONTooDeep as error:
            raise ParseError(f"JSON parse error - {error}") from None


class JSONFormField(forms.JSONField):
    """The admin's JSON form field with the nesting limit."""

    def to_python(self, value):
        try:
            converted = super().to_python(value)
        except RecursionError:
            raise forms.ValidationError(TOO_DEEP, code="too_deep") from None
        if depth(converted) > MAX_JSON_DEPTH:
            raise forms.ValidationError(TOO_DEEP, code="too_deep")
        return converted

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)


class DepthGuardMiddleware:
    """Last line of defence: a request whose data made some parser recurse too deeply is the
    client's mistake, so it gets a 400 that says what is wrong, not a 500. Parsers that know the limit
    (above) answer first and more precisely; this catches any view that parses request data itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RecursionError) or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        logger.warning("Refused %s %s: request data nested too deeply", request.method, request.path)
        if request.path.startswith("/admin/"):
            return HttpResponse(TOO_DEEP, status=400, content_type="text/plain; charset=utf-8")
        return JsonResponse({"detail": TOO_DEEP}, status=400)
