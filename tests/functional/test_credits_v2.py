"""v2 credits: the month's figures as a resource, and the ledger paged with a cursor."""

import pytest

from tests.functional.test_credits_v1 import GRANT, entry_count, ledger_writer


def test_the_credits_resource_links_to_the_months_ledger(testapp, headers):
    credits = testapp.get("/api/v2/credits", headers=headers).json

    assert (credits["balance"], credits["granted"], credits["used"]) == (GRANT, GRANT, 0)
    assert credits["links"] == {"ledger": f"http://localhost/api/v2/credits/ledger?month={credits['month']}"}
    assert testapp.get(credits["links"]["ledger"], headers=headers).json["items"][0]["reason"] == "monthly_grant"


def test_the_ledger_pages_follow_each_other_newest_first(testapp, headers, dbsession, login):
    user_id = login()["user"]["id"]
    writer = ledger_writer(dbsession)
    for number in range(6):
        writer.reserve(user_id, 1, f"job-{number}")
    dbsession.commit()

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = testapp.get("/api/v2/credits/ledger", query, headers=headers).json
        seen += [entry["id"] for entry in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3 and len(seen) == 7  # the grant and six reservations
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [("cursor=not-a-cursor", "cursor"), ("cursor=0", "cursor"), ("month=2026-00", "month"), ("limit=5000", "limit")],
)
def test_a_bad_ledger_query_is_a_400(testapp, headers, dbsession, query, field):
    error = testapp.get(f"/api/v2/credits/ledger?{query}", headers=headers, status=400).json

    assert field in error["details"]
    assert entry_count(dbsession) == 0


def test_the_openapi_documents_describe_the_credits_endpoints(testapp):
    v1 = testapp.get("/api/v1/openapi.json").json["paths"]
    v2 = testapp.get("/api/v2/openapi.json").json["paths"]

    assert {"/credits/me", "/credits/ledger", "/credits/estimate"} <= set(v1)
    assert {"/credits", "/credits/ledger"} <= set(v2)
    assert "413" in v1["/credits/estimate"]["post"]["responses"]
