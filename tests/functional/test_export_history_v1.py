"""Which history entry gets the URL of a v1 export: the job that produced the sentences, else the newest without one."""

import datetime

from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import HistoryEntry
from tests.factories import finished_job

# google_apis, sheets_app, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]


def export(app, headers, sentences):
    return app.post_json("/api/v1/export-to-sheet", {"sentences": sentences, "sheetName": "Export"}, headers=headers)


def _finished_job(dbsession, user, sentences, filename, minutes_ago, url=None):
    middle = len(sentences) // 2
    halves = [(part, part) for part in (sentences[:middle], sentences[middle:])]
    timestamp = utcnow() - datetime.timedelta(minutes=minutes_ago)
    _, entry = finished_job(dbsession, user.id, halves, filename=filename, timestamp=timestamp, spreadsheet_url=url)
    return entry


def _user(dbsession, email="lea@example.com"):
    return dbsession.scalar(select(User).where(User.email == email))


def test_url_goes_to_the_entry_of_the_job_that_produced_the_sentences(sheets_app, signed_in, dbsession):
    headers = signed_in()
    user = _user(dbsession)
    older = _finished_job(dbsession, user, ["Un.", "Deux.", "Trois."], "ancien.pdf", minutes_ago=60)
    newer = _finished_job(dbsession, user, ["Quatre.", "Cinq.", "Six."], "recent.pdf", minutes_ago=5)

    url = export(sheets_app, headers, ["Un.", "Deux.", "Trois."]).json["spreadsheet_url"]

    dbsession.expire_all()
    assert dbsession.get(HistoryEntry, older.id).spreadsheet_url == url
    assert dbsession.get(HistoryEntry, newer.id).spreadsheet_url is None


def test_without_a_matching_job_the_newest_entry_without_url_gets_it(sheets_app, signed_in, dbsession):
    headers = signed_in()
    user = _user(dbsession)
    older = _finished_job(dbsession, user, ["Un.", "Deux."], "ancien.pdf", minutes_ago=60)
    newer = _finished_job(dbsession, user, ["Quatre.", "Cinq."], "recent.pdf", minutes_ago=5, url="https://old")
    legacy = HistoryEntry(user_id=user.id, original_filename="legacy.pdf", timestamp=utcnow())
    dbsession.add(legacy)
    dbsession.commit()

    url = export(sheets_app, headers, ["Autre chose."]).json["spreadsheet_url"]

    dbsession.expire_all()
    assert dbsession.get(HistoryEntry, legacy.id).spreadsheet_url == url
    assert dbsession.get(HistoryEntry, older.id).spreadsheet_url is None
    assert dbsession.get(HistoryEntry, newer.id).spreadsheet_url == "https://old"


def test_another_users_history_is_never_touched(sheets_app, signed_in, dbsession, make_user):
    other = make_user("autre@example.com")
    theirs = _finished_job(dbsession, other, ["Un.", "Deux."], "theirs.pdf", minutes_ago=1)

    export(sheets_app, signed_in(), ["Un.", "Deux."])

    dbsession.expire_all()
    assert dbsession.get(HistoryEntry, theirs.id).spreadsheet_url is None


def append(app, headers, spreadsheet, sentences):
    body = {"sentences": sentences, "sheetName": "Export", "mode": "append", "existingSheetId": spreadsheet.id}
    return app.post_json("/api/v1/export-to-sheet", body, headers=headers)


def test_an_append_fills_an_entry_still_without_a_url(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in()
    entry = _finished_job(dbsession, _user(dbsession), ["Un.", "Deux."], "roman.pdf", minutes_ago=5)
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": [["déjà"]]})

    url = append(sheets_app, headers, spreadsheet, ["Un.", "Deux."]).json["spreadsheet_url"]

    dbsession.expire_all()
    assert dbsession.get(HistoryEntry, entry.id).spreadsheet_url == url == f"{spreadsheet.url}#gid=7"


def test_an_append_never_replaces_an_entrys_own_spreadsheet(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in()
    entry = _finished_job(dbsession, _user(dbsession), ["Un.", "Deux."], "roman.pdf", 5, url="https://own")
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": [["déjà"]]})

    append(sheets_app, headers, spreadsheet, ["Un.", "Deux."])

    dbsession.expire_all()
    assert dbsession.get(HistoryEntry, entry.id).spreadsheet_url == "https://own"
    assert spreadsheet.row(3)[:2] == [2, "Deux."]
