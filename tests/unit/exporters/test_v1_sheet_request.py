"""The rules between a v1 export body's fields, and the exporter options they become."""

import pytest

from novel_pyramid.errors import InvalidInput
from novel_pyramid.exporters.v1_sheet_request import plan_v1_export

SENTENCES = ["Un.", "Deux.", "Trois."]
FRONTEND_HEADERS = [{"name": "Index", "enabled": True, "order": 0}, {"name": "Sentence", "enabled": True, "order": 1}]


def plan(**body):
    return plan_v1_export({"sentences": SENTENCES, **body}, "Titre", None)


def problems(**body):
    with pytest.raises(InvalidInput) as raised:
        plan(**body)
    return raised.value.details


def test_the_older_body_is_a_new_spreadsheet_of_everything():
    result = plan()

    assert result.positions is None
    assert result.options == {
        "title": "Titre",
        "folder_id": None,
        "include_original": False,
        "mode": "new",
        "columns": [{"name": "index"}, {"name": "sentence"}],
        "share_with": [],
        "public_link": False,
        "create_new_tab": False,
    }


def test_headers_sorted_by_order_label_the_columns_in_turn():
    headers = [{"name": "Phrase", "enabled": True, "order": 5}, {"name": "N°", "enabled": True, "order": 2}]

    result = plan(columnOrder=["SENTENCE", "Index"], headers=headers)

    assert result.options["columns"] == [{"name": "sentence", "header": "N°"}, {"name": "index", "header": "Phrase"}]


def test_a_disabled_header_leaves_its_column_out():
    headers = [FRONTEND_HEADERS[0] | {"enabled": False}, FRONTEND_HEADERS[1]]

    assert plan(headers=headers).options["columns"] == [{"name": "sentence", "header": "Sentence"}]


def test_positions_are_sorted_and_kept():
    assert plan(sentenceIndices=[2, 0]).positions == [0, 2]


def test_append_takes_the_sheet_and_tab():
    result = plan(mode="append", existingSheetId="abc", tabName="Sheet1", createNewTab=True)

    assert result.options | {"spreadsheet_id": "abc", "tab_name": "Sheet1", "create_new_tab": True} == result.options


def test_emails_are_used_only_when_collaborators_are_added():
    off = plan(sharing={"addCollaborators": False, "collaboratorEmails": ["pas-une-adresse"], "publicLink": True})
    on = plan(sharing={"addCollaborators": True, "collaboratorEmails": ["ami@example.com"]})

    assert (off.options["share_with"], off.options["public_link"]) == ([], True)
    assert on.options["share_with"] == ["ami@example.com"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"mode": "append"}, "existingSheetId", "Required when mode is append"),
        ({"sentenceIndices": [0, 3, 7]}, "sentenceIndices", "3, 7: not a position in sentences, which go from 0 to 2"),
        ({"sentenceIndices": [1, 1, 2]}, "sentenceIndices", "1: listed more than once"),
        ({"columnOrder": ["index", "INDEX"]}, "columnOrder", "index: listed more than once"),
        ({"headers": FRONTEND_HEADERS[:1]}, "headers", "1 headers for 2 columns (index, sentence)"),
        ({"headers": FRONTEND_HEADERS, "columnOrder": ["sentence"]}, "headers", "2 headers for 1 columns"),
        ({"headers": [h | {"order": 0} for h in FRONTEND_HEADERS]}, "headers", "order 0 is given to more than one"),
        ({"headers": [h | {"enabled": False} for h in FRONTEND_HEADERS]}, "headers", "Every header is disabled"),
        (
            {"sharing": {"addCollaborators": True, "collaboratorEmails": ["ok@example.com", "bob@", "a@b.c\n"]}},
            "sharing.collaboratorEmails",
            "'bob@', 'a@b.c\\n': not an e-mail address",
        ),
    ],
)
def test_broken_rules_name_their_field(body, field, words):
    details = problems(**body)

    assert words in details[field][0], details


def test_every_broken_rule_is_reported_at_once():
    details = problems(mode="append", sentenceIndices=[9], columnOrder=["index", "index"])

    assert set(details) == {"existingSheetId", "sentenceIndices", "columnOrder"}
