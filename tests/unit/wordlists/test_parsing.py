"""Uploads to entries: encodings detected, the word column found, one word a line."""

import codecs
import io

import pytest

from novel_pyramid.errors import InvalidInput, PayloadTooLarge
from novel_pyramid.wordlists.parsing import decode, entries_of_rows, entries_of_text, read_upload


class Upload:
    def __init__(self, data, filename="mots.csv"):
        self.file, self.filename = io.BytesIO(data), filename


def texts(entries):
    return [entry.text for entry in entries]


@pytest.mark.parametrize(
    "data",
    [
        "été;cœur;naïf".encode(),
        codecs.BOM_UTF8 + "été;cœur;naïf".encode(),
        "été;cœur;naïf".encode("utf-16"),  # with its BOM, as Excel's "Unicode text" writes it
        "été;cœur;naïf".encode("cp1252"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16", "windows-1252"],
)
def test_each_encoding_reads_the_same_text(data):
    assert decode(data) == "été;cœur;naïf"


def test_latin_1_bytes_windows_1252_leaves_undefined_still_decode():
    assert decode("café".encode("latin-1") + b"\x81") == "café\x81"


def test_a_binary_file_is_refused():
    with pytest.raises(InvalidInput) as refused:
        decode(b"PK\x03\x04\x00\x00")
    assert "file" in refused.value.details


def test_one_word_a_line_keeps_line_numbers_and_blank_lines():
    entries = entries_of_text("maison\n\n  chat \r\nchien")
    assert [(entry.text, entry.line) for entry in entries] == [("maison", 1), ("", 2), ("  chat ", 3), ("chien", 4)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maison,house\nchat,cat\n", ["maison", "chat"]),
        ("maison;maisons\nchat;chats\n", ["maison", "chat"]),
        ("maison\thouse\nchat\tcat\n", ["maison", "chat"]),
        ("rank,Word,freq\n1,maison,9\n2,chat,8\n", ["maison", "chat"]),
        ("Mot;Traduction\nmaison;house\n", ["maison"]),
        ('"un, une";a\nchat;cat\n', ["un, une", "chat"]),
    ],
    ids=["comma", "semicolon", "tab", "word header", "mot header", "quoted cell"],
)
def test_a_csv_gives_its_word_column(text, expected):
    assert texts(entries_of_text(text)) == expected


def test_rows_without_a_header_start_at_the_first_unless_told_it_is_one():
    rows = [["Liste"], ["maison"], [], ["chat", "cat"]]
    assert texts(entries_of_rows(rows)) == ["Liste", "maison", "", "chat"]
    assert [(e.text, e.line) for e in entries_of_rows(rows, first_row_is_header=True)] == [
        ("maison", 2),
        ("", 3),
        ("chat", 4),
    ]


def test_an_upload_over_the_limit_is_refused_before_it_is_decoded():
    with pytest.raises(PayloadTooLarge) as refused:
        read_upload(Upload(b"chat\n" * 100), max_bytes=100)
    assert "100 bytes" in refused.value.message
    assert texts(read_upload(Upload(b"chat\nchien\n"), max_bytes=100)) == ["chat", "chien"]
