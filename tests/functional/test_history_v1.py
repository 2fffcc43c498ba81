"""v1 history: newest first, limits, deletion, and isolation between users."""

import datetime

import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import User
from novel_pyramid.history.models import HistoryEntry


@pytest.fixture
def add_history(dbsession):
    def add(email, count, start=datetime.datetime(2026, 1, 1)):
        user = dbsession.scalar(select(User).where(User.email == email))
        entries = [
            HistoryEntry(
                user_id=user.id,
                timestamp=start + datetime.timedelta(minutes=i),
                original_filename=f"roman-{i}.pdf",
                processed_sentences_count=i,
            )
            for i in range(count)
        ]
        dbsession.add_all(entries)
        dbsession.commit()
        return entries

    return add


def test_history_newest_first_with_contract_fields(testapp, auth_headers, add_history):
    headers = auth_headers("a@example.com")
    add_history("a@example.com", 3)
    body = testapp.get("/api/v1/history", headers=headers).json
    assert [item["original_filename"] for item in body] == ["roman-2.pdf", "roman-1.pdf", "roman-0.pdf"]
    assert set(body[0]) == {
        "id",
        "timestamp",
        "original_filename",
        "processed_sentences_count",
        "spreadsheet_url",
        "error_message",
        "job_id",
        "error_code",
        "failed_step",
        "settings",
    }
    assert body[0]["timestamp"] == "2026-01-01T00:02:00Z"


def test_history_limit(testapp, auth_headers, add_history):
    headers = auth_headers("a@example.com")
    add_history("a@example.com", 5)
    assert len(testapp.get("/api/v1/history?limit=2", headers=headers).json) == 2
    assert len(testapp.get("/api/v1/history", headers=headers).json) == 5


@pytest.mark.parametrize("limit", ["-1", "0", "abc", "1000000000", "10^9", "1.5", "", "%00"])
def test_bad_limits_give_400(testapp, auth_headers, limit):
    response = testapp.get(f"/api/v1/history?limit={limit}", headers=auth_headers(), status=400)
    assert "limit" in response.json["details"]


def test_users_never_see_each_others_history(testapp, auth_headers, add_history, dbsession):
    headers_a = auth_headers("a@example.com")
    headers_b = auth_headers("b@example.com")
    (entry,) = add_history("a@example.com", 1)
    assert testapp.get("/api/v1/history", headers=headers_b).json == []
    response = testapp.delete(f"/api/v1/history/{entry.id}", headers=headers_b, status=404)
    assert response.json["error"] == "History entry not found"
    assert dbsession.scalar(select(func.count()).select_from(HistoryEntry)) == 1
    body = testapp.delete(f"/api/v1/history/{entry.id}", headers=headers_a).json
    assert body == {"message": "History entry deleted"}
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(HistoryEntry)) == 0


@pytest.mark.parametrize("entry_id,status", [("999999", 404), ("abc", 400), ("0", 400), ("99999999999999", 400)])
def test_delete_unknown_or_malformed_ids(testapp, auth_headers, entry_id, status):
    testapp.delete(f"/api/v1/history/{entry_id}", headers=auth_headers(), status=status)


def test_history_needs_sign_in(testapp):
    testapp.get("/api/v1/history", status=401)
    testapp.delete("/api/v1/history/1", status=401)
