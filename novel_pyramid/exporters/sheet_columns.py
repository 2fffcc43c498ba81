"""The columns of an exported sheet: which ones, in what order, under which header labels.

A row always has the same three facts (its number, the sentence, the sentence
it was rewritten from); a layout picks some of them, orders them and labels
them. Without a layout the sheet shows Index and Sentence, plus Original
sentence when the originals were asked for.
"""

from dataclasses import dataclass

INDEX, SENTENCE, ORIGINAL = "index", "sentence", "original"
COLUMN_NAMES = (INDEX, SENTENCE, ORIGINAL)
DEFAULT_HEADERS = {INDEX: "Index", SENTENCE: "Sentence", ORIGINAL: "Original sentence"}
MAX_HEADER_LENGTH = 255

INDEX_COLUMN_PIXELS = 70
TEXT_COLUMN_PIXELS = 600


@dataclass(frozen=True)
class Column:
    name: str
    header: str

    @property
    def pixels(self):
        return INDEX_COLUMN_PIXELS if self.name == INDEX else TEXT_COLUMN_PIXELS

    @property
    def is_text(self):
        """Text columns are wide and wrap; the number column stays narrow."""
        return self.name != INDEX


def default_columns(with_original):
    names = (INDEX, SENTENCE, ORIGINAL) if with_original else (INDEX, SENTENCE)
    return [Column(name, DEFAULT_HEADERS[name]) for name in names]


def columns_from_options(chosen, with_original):
    """The layout of ``chosen`` (``[{"name", "header"?}]``, already checked), or the default one."""
    if not chosen:
        return default_columns(with_original)
    return [Column(item["name"], item.get("header", DEFAULT_HEADERS[item["name"]])) for item in chosen]


def row_values(row, columns):
    """One ``SentenceRow`` as cell values: the index as a number, text as strings (written RAW)."""
    return [_value(row, column.name) for column in columns]


def _value(row, name):
    if name == INDEX:
        return row.index
    if name == SENTENCE:
        return row.sentence
    return row.original or ""


def header_values(columns):
    return [column.header for column in columns]
