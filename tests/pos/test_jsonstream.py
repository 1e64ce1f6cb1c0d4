"""iter_records (integrations.pos.jsonstream) against ijson, the reference: the same values for compact,
pretty-printed, enveloped and empty arrays at any chunking; false cuts (a nested object whose first key is
the records' first key) and records lacking the first key; `known` digests (unparsed, stable, sensitive to
one field); truncated and invalid bodies raise ijson's errors after the good records; MAX_RECORD fallback."""
import io
import json
import random
from types import SimpleNamespace

import ijson
import orjson
import pytest

from integrations.pos import jsonstream
from integrations.pos.jsonstream import iter_records

CHUNK_SIZES = [1, 7, 64, 4096, None]  # None: the whole body in one chunk


def chunked(body: bytes, size: int | None):
    """The body as a generator of chunks of `size` bytes (a generator, so nothing is read twice)."""
    if size is None:
        yield body
        return
    for i in range(0, len(body), size):
        yield body[i:i + size]


def reference(body: bytes, prefix: str = "item") -> list:
    return list(ijson.items(io.BytesIO(body), prefix, use_float=True))


def values(body: bytes, size: int | None = None, prefix: str = "item", known=None) -> list:
    return [record.value for record in iter_records(chunked(body, size), known=known, prefix=prefix)]


def collect_until_error(items) -> tuple[list, Exception | None]:
    """The values before the first exception, and that exception (None when there was none)."""
    got = []
    try:
        for item in items:
            got.append(item.value if isinstance(item, jsonstream.JsonRecord) else item)
    except Exception as error:
        return got, error
    return got, None


@pytest.fixture
def ijson_calls(monkeypatch) -> list[str]:
    """The prefixes iter_records handed to ijson (its fallback), in order."""
    calls = []

    def spy(*args, **kwargs):
        calls.append(args[1])
        return ijson.items(*args, **kwargs)

    monkeypatch.setattr(jsonstream, "ijson", SimpleNamespace(items=spy))
    return calls


def lab_records(count: int = 500, seed: int = 7) -> list[dict]:
    """POS-like inventory rows: ints, floats, null, bools, unicode, escaped quotes and backslashes, a
    description holding the separator text itself, and nested lists of dicts (lab rows)."""
    rng = random.Random(seed)
    names = ["Blue Dream", "Crème Brûlée", "北京 Kush", "Ω-3 Gummies 🍬", 'The "Best" Pre-Roll', "back\\slash"]
    records = []
    for i in range(count):
        records.append({
            "sku": f"SKU-{i:05d}",
            "name": rng.choice(names),
            "description": rng.choice(['x},{"sku":"evil"', "plain", "tab\tnew\nline", 'ends with \\', "}]"]),
            "price": round(rng.uniform(1, 200), 2),
            "quantity": rng.randint(-5, 10_000),
            "weight": rng.choice([None, 0, 3.5, 1e-7, -0.25, 10**15]),
            "active": rng.choice([True, False]),
            "tags": rng.sample(["indica", "sativa", "hybrid", "cbd", "ünïcode"], k=rng.randint(0, 3)),
            "labResults": [
                {"value": round(rng.uniform(0, 35), 3), "labTest": rng.choice(["THC", "CBD", "CBN", "THCA"]),
                 "unit": rng.choice(["%", "mg", None])}
                for _ in range(rng.randint(0, 4))
            ],
            "vendor": None if i % 5 else {"id": i, "name": "Vendor \"Q\""},
        })
    return records


RECORDS = lab_records()
BODY = orjson.dumps(RECORDS)

EQUIVALENCE_BODIES = {
    "compact_lab_rows": BODY,
    "compact_small": orjson.dumps(lab_records(3, seed=1)),
    "single_record": orjson.dumps([{"sku": "only", "n": 1}]),
    "scalars_and_unicode": orjson.dumps([
        {"a": 1, "b": 1.5, "c": None, "d": True, "e": False, "f": "é😀\u2028", "g": 'q"uo"te', "h": -0.0},
        {"a": -1, "b": 2.0, "c": [None, True, False, 0, 0.1], "d": {}, "e": [], "f": "", "g": "\\", "h": 1e300},
        {"a": 9223372036854775807, "b": -1.5e-300, "c": {"a": {"a": [{"a": 1}]}}, "d": "\u0000\u001f"},
    ]),
    "escaped_separator_in_string": orjson.dumps([{"sku": "a", "d": 'x},{"sku":"evil"'},
                                                 {"sku": 'b},{"sku":'}, {"sku": "c\\"}]),
    "hand_written_number_forms": b'[{"a":1E2,"b":-0,"c":1.0e-2,"d":"\\u00e9\\ud83d\\ude00\\/"},{"a":0.5}]',
}


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("name", list(EQUIVALENCE_BODIES))
def test_values_equal_ijson_for_compact_arrays_at_any_chunk_size(name, size, ijson_calls):
    body = EQUIVALENCE_BODIES[name]
    expected = reference(body)
    got = values(body, size)
    assert got == expected
    assert ijson_calls == []  # compact arrays of objects are read entirely by the fast path
    if name == "compact_lab_rows":
        assert len(got) == 500


def test_values_keep_int_and_float_types_like_ijson():
    body = orjson.dumps([{"i": 1, "f": 1.0, "z": 0, "n": None, "t": True}, {"i": 2, "f": 2.5}])
    for got, expected in zip(values(body, 3), reference(body), strict=True):
        assert got == expected
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}


# --- the separator text inside strings, and false cuts at depth 2 -----------------------------------------


@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_separator_text_inside_a_string_is_escaped_and_never_cut(size):
    # In JSON bytes a quote inside a string is always escaped, so the text `},{"sku":` in a value arrives as
    # `},{\"sku\":` and cannot match the separator: the string comes back intact.
    records = [{"sku": "1", "description": 'x},{"sku":"evil"'}, {"sku": "2", "description": '},{"sku":'},
               {"sku": "3", "description": 'trailing backslash \\'}, {"sku": "4", "description": "ok"}]
    body = orjson.dumps(records)
    assert b'},{\\"sku\\":' in body
    assert body.count(b'},{"sku":') == 3  # only the three real boundaries
    assert values(body, size) == records == reference(body)


NESTED_BODIES = {
    # the false cut in the first, a middle, and the last record; two in one record; deeper nesting
    "first": b'[{"sku":"1","children":[{"x":1},{"sku":"nested"}]},{"sku":"2","n":2},{"sku":"3","n":3}]',
    "middle": b'[{"sku":"1","n":1},{"sku":"2","children":[{"x":1},{"sku":"nested"}]},{"sku":"3","n":3}]',
    "last": b'[{"sku":"1","n":1},{"sku":"2","n":2},{"sku":"3","children":[{"x":1},{"sku":"nested"}]}]',
    "twice": b'[{"sku":"1","c":[{"x":1},{"sku":"a"},{"sku":"b"}]},{"sku":"2","c":[{},{"sku":"c"}]}]',
    "deep": b'[{"sku":"1","c":{"d":[[{"y":[{"x":1},{"sku":"z"}]},{"sku":"w"}]]}},{"sku":"2"}]',
    "only": b'[{"sku":"1","children":[{"x":1},{"sku":"nested"}]}]',
}


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("name", list(NESTED_BODIES))
def test_nested_object_with_the_first_key_is_a_false_cut_and_falls_back(name, size, ijson_calls):
    body = NESTED_BODIES[name]
    expected = reference(body)
    assert b'},{"sku":' in body
    got = values(body, size)
    assert got == expected
    assert [value["sku"] for value in got] == [value["sku"] for value in expected]
    assert ijson_calls == ["item"]  # the false cut was detected and ijson read on


def test_false_cut_in_a_large_compact_body_still_yields_every_record():
    records = lab_records(200, seed=3)
    records[57]["children"] = [{"x": 1}, {"sku": "nested", "labResults": [{"value": 1.5, "labTest": "THC"}]}]
    records[150]["children"] = [{}, {"sku": "again"}]
    body = orjson.dumps(records)
    for size in CHUNK_SIZES:
        assert values(body, size) == records == reference(body)


# --- records lacking the first key ----------------------------------------------------------------------


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("body", [
    b'[{"sku":"a","n":1},{"n":2},{"sku":"c","n":3}]',
    b'[{"sku":"a","n":1},{"n":2},{"n":2.5},{"sku":"c","n":3},{"n":4}]',
    b'[{"sku":"a","n":1},{"n":2,"sku":"late"},{"sku":"c","n":3}]',
    b'[{"sku":"a"},1,"two",null,[{"sku":"x"}],{"sku":"b"}]',
])
def test_records_lacking_the_first_key_all_come_back_in_order(body, size, ijson_calls):
    assert values(body, size) == reference(body)
    assert ijson_calls == []  # a piece of several records is still the fast path's


def test_the_brief_example_of_a_missing_first_key():
    body = b'[{"sku":"a","n":1},{"n":2},{"sku":"c","n":3}]'
    for size in CHUNK_SIZES:
        assert values(body, size) == [{"sku": "a", "n": 1}, {"n": 2}, {"sku": "c", "n": 3}]


# --- whitespace, empty arrays, envelopes ------------------------------------------------------------------


SMALL = [{"a": 1, "b": [{"value": 1.5, "labTest": "THC"}]}, {"a": 2, "b": []}, {"a": 3, "s": "é \" },{\"a\":"}]

WHITESPACE_BODIES = {
    "indent_2": json.dumps(RECORDS[:60], indent=2).encode(),
    "indent_2_unicode_escaped": json.dumps(RECORDS[:60], indent=2, ensure_ascii=True).encode(),
    "json_default_separators": json.dumps(RECORDS[:60], ensure_ascii=False).encode(),
    "spaces_around": b'[ {"a":1}, {"a":2} ]',
    "space_after_open": b'[ {"a":1},{"a":2}]',
    "newlines_between": b'[{"a":1}\n,{"a":2}\r\n,\t{"a":3}\n]\n',
    "leading_and_trailing": b'\n\n  [{"a":1},{"a":2}]  \n',
    "small_indent_2": json.dumps(SMALL, indent=2).encode(),
    "empty": b"[]",
    "empty_with_space": b"[ ]",
    "empty_with_newlines": b"\n[\n]\n",
    "not_objects": b"[1, 2.5, \"three\", null, true, [4]]",
}


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("name", list(WHITESPACE_BODIES))
def test_pretty_printed_whitespace_and_empty_arrays_equal_ijson(name, size):
    body = WHITESPACE_BODIES[name]
    assert values(body, size) == reference(body)


def test_empty_arrays_yield_nothing():
    for body in (b"[]", b"[ ]", b" [\n] "):
        for size in CHUNK_SIZES:
            assert values(body, size) == []


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("body", [
    orjson.dumps({"status": "ok", "data": RECORDS[:100]}),
    json.dumps({"status": "ok", "data": SMALL}, indent=2).encode(),
    b'{"status":"ok","data":[]}',
    b'{"data":[{"a":1}],"status":"ok","more":{"data":[{"a":"not this"}]}}',
])
def test_enveloped_array_with_data_item_prefix_equals_ijson(body, size):
    expected = reference(body, "data.item")
    assert values(body, size, prefix="data.item") == expected
    if body.startswith(b'{"status":"ok","data":[{'):
        assert expected == RECORDS[:100]


# --- known digests ----------------------------------------------------------------------------------------


def digests(body: bytes, size: int | None = None, known=None) -> list[str]:
    return [record.digest for record in iter_records(chunked(body, size), known=known)]


def test_known_digests_come_back_unparsed_on_a_second_run(monkeypatch):
    first = list(iter_records(chunked(BODY, 4096)))
    assert all(not record.known and record.value is not None for record in first)
    assert len({record.digest for record in first}) == 500
    seen = {record.digest for record in first}

    # an unchanged resync parses nothing: orjson.loads must not be called at all
    def no_loads(*args, **kwargs):
        raise AssertionError("a known record was parsed")

    monkeypatch.setattr(jsonstream, "orjson", SimpleNamespace(loads=no_loads, dumps=orjson.dumps,
                                                              JSONDecodeError=orjson.JSONDecodeError))
    for size in CHUNK_SIZES:
        second = list(iter_records(chunked(BODY, size), known=seen.__contains__))
        assert [record.digest for record in second] == [record.digest for record in first]
        assert all(record.known is True and record.value is True for record in second)  # what known answered


def test_only_the_known_digests_are_left_unparsed():
    first = list(iter_records([BODY]))
    some = {record.digest for index, record in enumerate(first) if index % 3 == 0}
    for size in CHUNK_SIZES:
        second = list(iter_records(chunked(BODY, size), known=some.__contains__))
        assert len(second) == 500
        for index, (record, original) in enumerate(zip(second, RECORDS, strict=True)):
            assert record.digest == first[index].digest
            if index % 3 == 0:
                assert record.known is True and record.value is True
            else:
                assert record.known is False and record.value == original


def test_known_is_asked_with_each_record_digest():
    asked = []
    first = list(iter_records([BODY]))
    list(iter_records(chunked(BODY, 64), known=lambda digest: asked.append(digest) or False))
    assert asked == [record.digest for record in first]


def test_digests_are_stable_across_runs_and_chunk_sizes():
    runs = [digests(BODY, size) for size in CHUNK_SIZES] + [digests(BODY)]
    assert all(run == runs[0] for run in runs)
    assert runs[0][0] == jsonstream.digest_of(orjson.dumps(RECORDS[0]))  # the record's bytes as sent


def test_digest_changes_only_for_the_record_whose_field_changed():
    before = digests(BODY)
    for index, field, value in [(10, "price", RECORDS[10]["price"] + 0.01), (0, "active", not RECORDS[0]["active"]),
                                (499, "labResults", [{"value": 1.5, "labTest": "THC"}]), (250, "name", "x")]:
        changed = [dict(record) for record in RECORDS]
        changed[index][field] = value
        after = digests(orjson.dumps(changed))
        assert after[index] != before[index]
        assert after[:index] == before[:index] and after[index + 1:] == before[index + 1:]


@pytest.mark.parametrize("body", [
    NESTED_BODIES["middle"],
    NESTED_BODIES["twice"],
    b'[{"sku":"a","n":1},{"n":2},{"sku":"c","n":3}]',
    json.dumps(SMALL, indent=2).encode(),
])
def test_known_also_works_for_records_read_by_the_fallback(body):
    for size in CHUNK_SIZES:
        first = list(iter_records(chunked(body, size)))
        assert [record.value for record in first] == reference(body)
        seen = {record.digest for record in first}
        second = list(iter_records(chunked(body, size), known=seen.__contains__))
        assert [record.digest for record in second] == [record.digest for record in first]
        assert all(record.known and record.value is True for record in second)


# --- bad input --------------------------------------------------------------------------------------------


def truncated(body: bytes, fraction: float) -> bytes:
    """The body cut at `fraction`, moved back out of a number: yajl (and so ijson itself) reports a number
    cut just after its `.` as "malformed number", not as "premature EOF"."""
    end = int(len(body) * fraction)
    while body[end - 1:end] in (b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9", b".", b"-", b"e"):
        end -= 1
    return body[:end]


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0]


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("fraction", [0.5, 0.25, 0.9, 0.999])
def test_truncated_body_raises_incomplete_json_after_the_complete_records(fraction, size):
    body = truncated(BODY, fraction)
    expected, reference_error = collect_until_error(ijson.items(io.BytesIO(body), "item", use_float=True))
    assert isinstance(reference_error, ijson.IncompleteJSONError)

    got, error = collect_until_error(iter_records(chunked(body, size)))
    assert isinstance(error, ijson.IncompleteJSONError)
    assert "premature EOF" in str(error) or "Incomplete JSON" in str(error)
    assert first_line(error) == first_line(reference_error)
    assert got == expected == RECORDS[:len(got)]
    assert len(got) >= int(500 * fraction) - 2


@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_body_cut_inside_a_number_raises_the_same_error_as_ijson(size):
    body = BODY[:len(BODY) // 2]  # ends `{"value":6.`: ijson says "malformed number" here, and so must we
    assert body.endswith(b".")
    expected, reference_error = collect_until_error(ijson.items(io.BytesIO(body), "item", use_float=True))
    got, error = collect_until_error(iter_records(chunked(body, size)))
    assert type(error) is type(reference_error) is ijson.IncompleteJSONError
    assert first_line(error) == first_line(reference_error)
    assert got == expected == RECORDS[:len(got)]


@pytest.mark.parametrize("body", [
    b'[{"a":1},{"a":2}',
    b'[{"a":1},{"a":2},',
    b'[{"a":1},{"a":[1,2]',
    b'[{"a":1},{"b":[{"c":1}]',
    b"[",
])
def test_truncated_small_bodies_raise_premature_eof(body):
    for size in CHUNK_SIZES:
        got, error = collect_until_error(iter_records(chunked(body, size)))
        assert isinstance(error, ijson.IncompleteJSONError)
        assert "premature EOF" in str(error) or "Incomplete JSON" in str(error)
        assert got == collect_until_error(ijson.items(io.BytesIO(body), "item", use_float=True))[0]


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("fraction", [1 / 3, 0.5, 0.75])
def test_invalid_body_raises_ijsons_error_not_premature_eof_after_the_good_records(fraction, size):
    body = BODY[:int(len(BODY) * fraction)] + b'{"unterminated": [1, 2,,}'
    expected, reference_error = collect_until_error(ijson.items(io.BytesIO(body), "item", use_float=True))
    assert isinstance(reference_error, ijson.JSONError)
    assert "premature EOF" not in str(reference_error)

    got, error = collect_until_error(iter_records(chunked(body, size)))
    assert type(error) is type(reference_error)
    assert first_line(error) == first_line(reference_error)
    assert isinstance(error, ijson.IncompleteJSONError | ijson.JSONError)
    assert "premature EOF" not in str(error)
    assert got == expected
    assert got == RECORDS[:len(got)] and len(got) > 0


@pytest.mark.parametrize("body", [
    b'[{"a":1},{"a":2},,]',
    b'[{"a":1},{"a":2}]garbage',
    b'[{"a":1},{"a":2}]]',
    b'[{"a":1},{"a":2},]',
    b'[{"a":1},{"a":2 3}]',
    b'[{"a":1},{"a":"\t"}]',
    b'[{"a":1},{"a":tru}]',
])
def test_small_invalid_bodies_raise_the_same_error_class_as_ijson(body):
    expected, reference_error = collect_until_error(ijson.items(io.BytesIO(body), "item", use_float=True))
    assert reference_error is not None
    for size in CHUNK_SIZES:
        got, error = collect_until_error(iter_records(chunked(body, size)))
        assert type(error) is type(reference_error), (size, error)
        assert first_line(error) == first_line(reference_error)
        assert "premature EOF" not in str(error)
        assert got == expected


# --- MAX_RECORD -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_records_larger_than_max_record_fall_back_to_ijson_with_the_right_values(size, monkeypatch):
    monkeypatch.setattr(jsonstream, "MAX_RECORD", 64)
    records = lab_records(120, seed=11)
    records[5]["labResults"] = [{"value": i / 10, "labTest": "THC"} for i in range(50)]  # one much bigger
    body = orjson.dumps(records)
    assert min(len(orjson.dumps(record)) for record in records) > 64
    assert values(body, size) == records == reference(body)


def test_small_records_then_a_huge_one_switch_to_ijson_midstream(monkeypatch, ijson_calls):
    monkeypatch.setattr(jsonstream, "MAX_RECORD", 64)
    records = [{"sku": str(i), "n": i} for i in range(20)]
    records.insert(10, {"sku": "big", "labResults": [{"value": 1.5, "labTest": "THC"}] * 40})
    records.append({"sku": "after", "s": "x" * 500})
    body = orjson.dumps(records)
    for size in [1, 7, 64]:
        ijson_calls.clear()
        got = list(iter_records(chunked(body, size)))
        assert [record.value for record in got] == records
        assert ijson_calls == ["item"]  # the big record was handed to ijson
        # the records before the big one came from the fast path: digests of their bytes as sent
        assert [record.digest for record in got[:10]] == [jsonstream.digest_of(orjson.dumps(r)) for r in records[:10]]
