"""Readers and writers for the file formats KG Studio exchanges."""

from core.formats.duie import (
    Schema,
    SchemaEntry,
    Sentence,
    Span,
    Triple,
    read_schema,
    read_sentences,
    sentence_from_json,
    sentence_to_json,
    write_schema,
    write_sentences,
)
from core.formats.errors import FormatError
from core.formats.jsonl import atomic_write_text, iter_jsonl, read_json_any, write_jsonl_atomic

__all__ = [
    "FormatError",
    "Schema",
    "SchemaEntry",
    "Sentence",
    "Span",
    "Triple",
    "atomic_write_text",
    "iter_jsonl",
    "read_json_any",
    "read_schema",
    "read_sentences",
    "sentence_from_json",
    "sentence_to_json",
    "write_jsonl_atomic",
    "write_schema",
    "write_sentences",
]
