"""A POS's (possibly huge) JSON array, record by record: fast, bounded in memory, and with each record's
digest taken from its bytes as sent.

POS feeds are compact arrays of objects whose records all start with the same key (Dutchie's /inventory
is 60,000+ of them, 100 MB). The fast path cuts the bytes at each `},{"<that key>":` and parses each
record with orjson: about 3x ijson's speed. Each record's digest (xxh3-128 of its bytes) is taken
before parsing, so a caller that already holds a record exactly as sent (`known(digest)`) gets it back
unparsed: an unchanged resync parses nothing.

A cut is only trusted once its record parses (a `},{"key":` inside a string leaves an unterminated
string, never a valid record), and a known digest was a parsed record's. A caller that needs a record's
bytes rather than its value (to keep them for later: Dutchie's packages, grouped by product across the
whole feed) passes `trusted(piece)`: a piece it vouches for is handed over unparsed, with what `trusted`
answered; the caller then parses it itself, and must treat a piece that does not parse as a broken answer.
Anything else (whitespace
between records, an answer that is not an array, a record too large, a record that does not parse, an
answer cut short) hands the rest of the stream to ijson, which streams any JSON and says precisely what
is wrong; those records' digests are of their re-serialised values.
"""
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ijson
import orjson
import xxhash

CHUNK = 1 << 20
# A record larger than this (no cut found) is not a POS feed's usual shape: ijson streams the rest.
MAX_RECORD = 8 << 20
_WHITESPACE = b" \t\r\n"


@dataclass(slots=True)
class JsonRecord:
    """One element of the array: its digest and its value; or, when the caller knows it (`known(digest)`
    answered something), what `known` answered as the value, and the record is not parsed. With `trusted`,
    every record's `data` holds its bytes (as sent; re-serialised for those ijson read), and `vouched` says
    that `trusted` vouched for them: then `value` is what it answered, and the record was not parsed."""

    digest: str
    value: Any = None
    known: bool = False
    data: bytes | None = None
    vouched: bool = False


def digest_of(data: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(data)


def iter_records(chunks: Iterable[bytes], known: Callable[[str], Any] | None = None,
                 prefix: str = "item", trusted: Callable[[bytes], Any] | None = None) -> Iterator[JsonRecord]:
    """The elements of the JSON array read from `chunks` (bytes, in order). `prefix` is ijson's: "item"
    for a top-level array (the fast path), anything else (an enveloped array, "data.item") goes to ijson.
    `trusted(piece)`: not None when the caller vouches that the piece is one whole record (see above).
    Raises ijson's errors (IncompleteJSONError, JSONError) for a body that is not (complete) JSON."""
    source = (chunk for chunk in chunks if chunk)  # an empty chunk is not the end
    if prefix != "item":
        yield from _ijson_records(_Reader(b"", source), prefix, known, trusted)
        return
    buf = b""
    for chunk in source:  # enough to see the first record's first key
        buf += chunk
        if len(buf.lstrip(_WHITESPACE)) > 1 and b'":' in buf or len(buf) > MAX_RECORD:
            break
    start = len(buf) - len(buf.lstrip(_WHITESPACE))
    if buf[start:start + 1] != b"[":
        yield from _ijson_records(_Reader(buf, source), prefix, known, trusted)
        return
    pos = start + 1
    while pos < len(buf) and buf[pos] in _WHITESPACE:
        pos += 1
    if buf[pos:pos + 2] != b'{"':  # empty, pretty-printed, or not objects: ijson knows them all
        yield from _ijson_records(_Reader(buf, source), prefix, known, trusted)
        return
    key_end = buf.find(b'":', pos)
    if key_end < 0 or b"\\" in buf[pos:key_end]:
        yield from _ijson_records(_Reader(buf, source), prefix, known, trusted)
        return
    separator = b"}," + buf[pos:key_end + 2]
    scan = pos + 1
    while True:
        cut = buf.find(separator, scan)
        if cut < 0:
            more = next(source, b"")
            if more and len(buf) - pos < MAX_RECORD:
                kept = len(buf) - pos
                buf = buf[pos:] + more
                scan, pos = max(1, kept - len(separator)), 0
                continue
            tail = buf[pos:].rstrip(_WHITESPACE)
            if more or not tail.endswith(b"]"):  # a record too large, or the answer cut short / broken
                yield from _ijson_records(_Reader(b"[" + buf[pos:] + more, source), prefix, known, trusted)
                return
            piece = tail[:-1].rstrip(_WHITESPACE)
            records = _parse(piece, known, trusted)
            if records is None:
                yield from _ijson_records(_Reader(b"[" + buf[pos:], source), prefix, known, trusted)
                return
            yield from records
            return
        piece = buf[pos:cut + 1]
        records = _parse(piece, known, trusted)
        if records is None:  # not a record after all: ijson reads on from this record's start
            yield from _ijson_records(_Reader(b"[" + buf[pos:], source), prefix, known, trusted)
            return
        yield from records
        pos = scan = cut + 2


def _parse(piece: bytes, known: Callable[[str], Any] | None,
           trusted: Callable[[bytes], Any] | None = None) -> list[JsonRecord] | None:
    """The record(s) in one piece: one record (the rule), or several when a record lacked the first
    key; None when the piece is not complete records (a cut inside a string, or broken JSON)."""
    digest = digest_of(piece)
    if known is not None and (held := known(digest)):
        return [JsonRecord(digest, held, True, data=piece if trusted is not None else None)]
    if trusted is not None and (answer := trusted(piece)) is not None:
        return [JsonRecord(digest, answer, data=piece, vouched=True)]
    try:
        return [JsonRecord(digest, orjson.loads(piece), data=piece if trusted is not None else None)]
    except orjson.JSONDecodeError:
        pass
    try:
        values = orjson.loads(b"[" + piece + b"]")
    except orjson.JSONDecodeError:
        return None
    return [_record(value, known, trusted) for value in values]


def _record(value: Any, known: Callable[[str], Any] | None,
            trusted: Callable[[bytes], Any] | None = None) -> JsonRecord:
    data = orjson.dumps(value)
    digest = digest_of(data)
    if known is not None and (held := known(digest)):
        return JsonRecord(digest, held, True, data=data if trusted is not None else None)
    return JsonRecord(digest, value, data=data if trusted is not None else None)


def _ijson_records(reader: "_Reader", prefix: str, known: Callable[[str], Any] | None,
                   trusted: Callable[[bytes], Any] | None = None) -> Iterator[JsonRecord]:
    for value in ijson.items(reader, prefix, use_float=True):
        yield _record(value, known, trusted)


class _Reader:
    """A file-like `read(n)` over what was already read (`head`) followed by the rest of the chunks,
    never returning more than asked (and without re-copying a large head on each read)."""

    def __init__(self, head: bytes, rest: Iterator[bytes]):
        self._head = memoryview(head)
        self._offset = 0
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._offset >= len(self._head):
            self._head, self._offset = memoryview(next(self._rest, b"")), 0
        if size < 0:
            data = bytes(self._head[self._offset:]) + b"".join(self._rest)
            self._offset = len(self._head)
            return data
        data = bytes(self._head[self._offset:self._offset + size])
        self._offset += len(data)
        return data
