"""v1 coverage runs as the frontend calls them: cost, run, read, swap, diagnosis, download, export."""

import csv
import io

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import UserSettings
from novel_pyramid.coverage.models import CoverageRun
from novel_pyramid.credits.models import CreditEntry
from tests.functional.coverage_data import COVERED, LISTED, SENTENCES, book, counts, word_list

# google_apis, sheets_app, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

RUN = "/api/v1/coverage/run"
GRANT = 2000


@pytest.fixture
def lea(testapp, login):
    return login()["user"]["id"]


@pytest.fixture
def max_headers(auth_headers, login):
    return auth_headers("max@example.com")


@pytest.fixture
def job(dbsession, lea):
    job, _ = book(dbsession, lea)
    return job


@pytest.fixture
def wordlist(dbsession, lea):
    return word_list(dbsession, lea)


def start(testapp, headers, status=201, **body):
    return testapp.post_json(RUN, body, headers=headers, status=status).json


def run_of(testapp, headers, job, wordlist, mode="coverage", **extra):
    return start(testapp, headers, mode=mode, source_type="job", source_id=job.id, wordlist_id=wordlist.id, **extra)


def balance(testapp, headers):
    return testapp.get("/api/v1/credits/me", headers=headers).json["balance"]


# -- cost ------------------------------------------------------------------------------------


def test_the_cost_of_a_run_in_credits(testapp, headers):
    assert testapp.get("/api/v1/coverage/cost", headers=headers).json == {"cost": 2, "currency": "credits"}
    batch = testapp.get("/api/v1/coverage/cost", {"mode": "batch", "sources": 3}, headers=headers).json
    assert batch["cost"] == 6
    refused = testapp.get("/api/v1/coverage/cost", {"mode": "all"}, headers=headers, status=400).json
    assert "mode" in refused["details"]


def test_coverage_needs_a_signed_in_user(testapp):
    testapp.get("/api/v1/coverage/cost", status=401)
    testapp.post_json(RUN, {"mode": "coverage"}, status=401)
    testapp.get("/api/v1/coverage/runs/1", status=401)


# -- a run end to end (tasks run in-process) -----------------------------------------------


def test_a_coverage_run_picks_the_fewest_sentences_covering_the_list(testapp, headers, job, wordlist):
    started = run_of(testapp, headers, job, wordlist)

    run = started["coverage_run"]
    assert started["credits_charged"] == 2 and started["task_id"] == run["celery_task_id"]
    assert run["status"] == "completed" and run["progress_percent"] == 100
    assert (run["mode"], run["source_type"], run["source_id"], run["wordlist_id"]) == (
        "coverage",
        "job",
        job.id,
        wordlist.id,
    )
    read = testapp.get(f"/api/v1/coverage/runs/{run['id']}", headers=headers).json
    learning_set = read["learning_set"]
    assert sorted(entry["sentence_index"] for entry in learning_set) == [0, 1]
    assert [entry["rank"] for entry in learning_set] == [1, 2]
    covered = {word for entry in learning_set for word in entry["new_words_covered"]}
    assert covered == COVERED
    first = next(entry for entry in learning_set if entry["sentence_index"] == 1)
    assert first["sentence"] == SENTENCES[1] and first["token_count"] == 6
    assert first["new_words_covered"] == ["chien", "dormir", "maison"]
    stats = read["coverage_run"]["stats_json"]
    assert (stats["words_total"], stats["words_covered"], stats["selected_sentence_count"]) == (8, 5, 2)
    assert read["pagination"] == {"page": 1, "per_page": 50, "total": 5, "pages": 1}
    by_word = {item["word_key"]: item for item in read["assignments"]}
    assert set(by_word) == COVERED
    assert by_word["dormir"]["matched_surface"] == "dort" and by_word["dormir"]["sentence_index"] == 1
    assert by_word["chat"]["sentence_text"] == SENTENCES[0] and by_word["chat"]["manual_edit"] is False
    assert balance(testapp, headers) == GRANT - 2


def test_the_run_is_charged_like_a_job_and_settled(testapp, headers, job, wordlist, dbsession):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    dbsession.expire_all()
    entries = dbsession.scalars(select(CreditEntry).where(CreditEntry.job_id == f"coverage-run-{run_id}")).all()
    assert sorted((entry.reason, entry.delta_credits) for entry in entries) == [("job_final", 0), ("job_reserve", -2)]


def test_a_history_entry_is_a_source_too(testapp, headers, dbsession, lea, wordlist):
    _, entry = book(dbsession, lea)

    started = start(
        testapp, headers, mode="coverage", source_type="history", source_id=entry.id, wordlist_id=wordlist.id
    )

    assert started["coverage_run"]["source_id"] == entry.id
    assert started["coverage_run"]["status"] == "completed"
    assert sorted(entry["sentence_index"] for entry in started["coverage_run"]["learning_set_json"]) == [0, 1]


def test_without_a_list_the_global_default_is_used(testapp, headers, dbsession, job):
    default = word_list(dbsession, None, name="French 2K", default=True)

    started = start(testapp, headers, mode="coverage", source_type="job", source_id=job.id)

    assert started["coverage_run"]["wordlist_id"] == default.id


def test_without_a_list_and_no_default_nothing_runs(testapp, headers, dbsession, job):
    refused = start(testapp, headers, status=404, mode="coverage", source_type="job", source_id=job.id)

    assert "wordlist_id" in refused["details"] and "default" in refused["error"]
    assert counts(dbsession) == (0, 0, 0)


def test_a_filter_run_keeps_sentences_mostly_made_of_listed_words(testapp, headers, job, wordlist):
    started = run_of(testapp, headers, job, wordlist, mode="filter", config={"min_in_list_ratio": 0.6})

    run_id = started["coverage_run"]["id"]
    read = testapp.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json
    assert sorted(entry["sentence_index"] for entry in read["learning_set"]) == [0, 3]
    assert all(entry["score"] >= 0.6 for entry in read["learning_set"])
    assert {item["word_key"] for item in read["assignments"]} == {"filter_sentence_0", "filter_sentence_3"}
    assert read["coverage_run"]["stats_json"]["selected_count"] == 2


def test_a_batch_reads_several_books_as_one_corpus(testapp, headers, dbsession, lea, wordlist):
    first, _ = book(dbsession, lea, ["Le chat mange.", "Bonjour !"], filename="un.pdf")
    second, _ = book(dbsession, lea, ["Le chien dort dans la maison.", "Il pleut."], filename="deux.pdf")

    started = start(
        testapp, headers, mode="batch", source_type="job", source_ids=[first.id, second.id], wordlist_id=wordlist.id
    )

    assert started["credits_charged"] == 4
    run = started["coverage_run"]
    assert run["source_ids"] == [first.id, second.id]
    by_source = {item["source_id"]: item for item in run["stats_json"]["source_breakdown"]}
    assert by_source[first.id]["words_covered"] == 2 and by_source[second.id]["words_covered"] == 3
    read = testapp.get(f"/api/v1/coverage/runs/{run['id']}", headers=headers).json
    entries = sorted(read["learning_set"], key=lambda entry: entry["sentence_index"])
    assert [(entry["source_id"], entry["sentence_index"]) for entry in entries] == [(first.id, 0), (second.id, 2)]
    assert balance(testapp, headers) == GRANT - 4


def test_a_capped_run_keeps_the_sentences_that_teach_most(testapp, headers, job, wordlist):
    started = run_of(testapp, headers, job, wordlist, config={"target_count": 1, "alpha": 0.5})

    run = started["coverage_run"]
    assert [entry["sentence_index"] for entry in run["learning_set_json"]] == [1]
    diagnosis = testapp.get(f"/api/v1/coverage/runs/{run['id']}/diagnosis", headers=headers).json
    assert diagnosis["categories"]["in_valid_but_missed"]["sample_words"] == ["chat", "manger"]


# -- refused requests: a clear 4xx, nothing written, nothing charged -------------------------


@pytest.mark.parametrize(
    "body, field",
    [
        ({"mode": "everything", "source_type": "job", "source_id": "x"}, "mode"),
        ({"mode": "coverage", "source_type": "job"}, "source_id"),
        ({"mode": "coverage", "source_type": "pdf", "source_id": "x"}, "source_type"),
        ({"mode": "batch", "source_type": "job", "source_ids": ["a"]}, "source_ids"),
        ({"mode": "batch", "source_type": "job", "source_ids": ["a", "a"]}, "source_ids"),
        ({"mode": "batch", "source_type": "job", "source_id": "a"}, "source_ids"),
        ({"mode": "coverage", "source_type": "job", "source_id": "a", "source_ids": ["a", "b"]}, "source_ids"),
        ({"mode": "coverage", "source_type": "history", "source_id": "abc"}, "source_id"),
        ({"mode": "coverage", "source_type": "history", "source_id": "12"}, "source_id"),
        ({"mode": "batch", "source_type": "history", "source_ids": [1, "2"]}, "source_ids"),
        ({"mode": "coverage", "source_type": "history", "source_id": 0}, "source_id"),
        ({"mode": "coverage", "source_type": "job", "source_id": True}, "source_id"),
        ({"mode": "coverage", "source_type": "job", "source_id": "a", "config": {"weights": 1}}, "config"),
        ({"mode": "coverage", "source_type": "job", "source_id": "a", "config": {"len_max": "8"}}, "config"),
        ({"mode": "coverage", "source_type": "job", "source_id": "a", "wordlist_id": "1"}, "wordlist_id"),
    ],
)
def test_bad_bodies_are_refused_with_the_field_named(testapp, headers, dbsession, body, field):
    refused = start(testapp, headers, status=400, **body)

    assert refused["code"] == "invalid_input"
    assert any(name.startswith(field) for name in refused["details"]), refused
    assert counts(dbsession) == (0, 0, 0)


@pytest.mark.parametrize("config", [{"len_min": 9, "len_max": 4}, {"len_min": 9}, {"len_max": 2}])
def test_a_length_range_that_is_empty_is_refused(testapp, headers, dbsession, job, wordlist, config):
    refused = run_of(testapp, headers, job, wordlist, status=400, config=config)

    assert "len_min" in refused["error"] and "config" in refused["details"]
    assert counts(dbsession) == (0, 0, 0)


def test_another_users_job_is_not_found(testapp, headers, max_headers, dbsession, job, wordlist):
    refused = start(testapp, max_headers, status=404, mode="coverage", source_type="job", source_id=job.id)

    assert refused["code"] == "not_found"
    assert counts(dbsession) == (0, 0, 0)


def test_another_users_history_entry_is_not_found(testapp, headers, max_headers, dbsession, lea, wordlist):
    _, entry = book(dbsession, lea)

    start(testapp, max_headers, status=404, mode="coverage", source_type="history", source_id=entry.id)

    assert counts(dbsession) == (0, 0, 0)


def test_another_users_word_list_is_not_found(testapp, headers, max_headers, dbsession, login, wordlist):
    max_id = login("max@example.com")["user"]["id"]
    job, _ = book(dbsession, max_id)

    start(
        testapp,
        max_headers,
        status=404,
        mode="coverage",
        source_type="job",
        source_id=job.id,
        wordlist_id=wordlist.id,
    )

    assert counts(dbsession) == (0, 0, 0)


def test_a_job_that_has_not_completed_is_refused(testapp, headers, dbsession, lea, wordlist):
    running, _ = book(dbsession, lea, status="processing")

    refused = start(testapp, headers, status=409, mode="coverage", source_type="job", source_id=running.id)

    assert "processing" in refused["error"] and "completed" in refused["error"]
    assert counts(dbsession) == (0, 0, 0)


def test_a_short_balance_is_refused_with_402(testapp, headers, dbsession, lea, job, wordlist):
    from tests.functional.test_credits_v1 import ledger_writer

    writer = ledger_writer(dbsession)
    writer.adjust(lea, -(GRANT - 1), "Leave one credit")
    dbsession.commit()

    refused = run_of(testapp, headers, job, wordlist, status=402)

    assert refused["code"] == "insufficient_credits" and refused["required"] == 2
    runs, assignments, charges = counts(dbsession)
    assert (runs, assignments, charges) == (0, 0, 1)  # the adjustment only


# -- reading ---------------------------------------------------------------------------------


def test_runs_are_private(testapp, headers, max_headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    for path in ("", "/diagnosis", "/download"):
        testapp.get(f"/api/v1/coverage/runs/{run_id}{path}", headers=max_headers, status=404)
    testapp.post_json(
        f"/api/v1/coverage/runs/{run_id}/swap",
        {"word_key": "chat", "new_sentence_index": 3},
        headers=max_headers,
        status=404,
    )
    testapp.get("/api/v1/coverage/runs/999999", headers=headers, status=404)


@pytest.mark.parametrize("query", [{"page": 0}, {"page": "abc"}, {"per_page": 0}, {"per_page": 100000}, {"sort": 1}])
def test_bad_page_numbers_are_refused(testapp, headers, job, wordlist, query):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    refused = testapp.get(f"/api/v1/coverage/runs/{run_id}", query, headers=headers, status=400).json

    assert set(query) <= set(refused["details"])


def test_assignments_come_a_page_at_a_time(testapp, headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    pages = [
        testapp.get(f"/api/v1/coverage/runs/{run_id}", {"page": page, "per_page": 2}, headers=headers).json
        for page in (1, 2, 3, 4)
    ]

    assert [len(page["assignments"]) for page in pages] == [2, 2, 1, 0]
    assert pages[0]["pagination"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}
    assert {item["word_key"] for page in pages for item in page["assignments"]} == COVERED


# -- swap ------------------------------------------------------------------------------------


def swap(testapp, headers, run_id, word, index, status=200):
    body = {"word_key": word, "new_sentence_index": index}
    return testapp.post_json(f"/api/v1/coverage/runs/{run_id}/swap", body, headers=headers, status=status).json


def test_a_word_moves_to_another_sentence_that_contains_it(testapp, headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    swapped = swap(testapp, headers, run_id, "chat", 3)

    assert (swapped["word_key"], swapped["sentence_index"], swapped["sentence_text"]) == ("chat", 3, SENTENCES[3])
    assert swapped["manual_edit"] is True and swapped["matched_surface"] == "chat"
    read = testapp.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json
    by_sentence = {entry["sentence_index"]: entry for entry in read["learning_set"]}
    assert set(by_sentence) == {0, 1, 3}
    assert by_sentence[0]["new_words_covered"] == ["manger"]
    assert by_sentence[3]["new_words_covered"] == ["chat"]
    assert [entry["rank"] for entry in read["learning_set"]] == [1, 2, 3]


def test_a_sentence_left_with_no_word_leaves_the_learning_set(testapp, headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    swap(testapp, headers, run_id, "dormir", 3)
    swap(testapp, headers, run_id, "chien", 2)
    swap(testapp, headers, run_id, "maison", 2)

    read = testapp.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json
    assert sorted(entry["sentence_index"] for entry in read["learning_set"]) == [0, 2, 3]


def test_a_swap_to_a_sentence_without_the_word_is_refused(testapp, headers, job, wordlist, dbsession):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    refused = swap(testapp, headers, run_id, "chat", 1, status=400)

    assert "does not contain" in refused["error"] and "new_sentence_index" in refused["details"]
    out_of_range = swap(testapp, headers, run_id, "chat", 99, status=400)
    assert "5 sentences" in out_of_range["error"]
    assert swap(testapp, headers, run_id, "souris", 0, status=404)["code"] == "not_found"
    negative = swap(testapp, headers, run_id, "chat", -1, status=400)
    assert "new_sentence_index" in negative["details"]
    dbsession.expire_all()
    run = dbsession.get(CoverageRun, run_id)
    assert sorted(entry["sentence_index"] for entry in run.learning_set) == [0, 1]


def test_a_filter_run_has_no_word_to_swap(testapp, headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist, mode="filter")["coverage_run"]["id"]

    assert swap(testapp, headers, run_id, "filter_sentence_0", 3, status=409)["code"] == "conflict"


# -- diagnosis, download, export ----------------------------------------------------------


def test_the_diagnosis_explains_every_uncovered_word(testapp, headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    diagnosis = testapp.get(f"/api/v1/coverage/runs/{run_id}/diagnosis", headers=headers).json

    assert (diagnosis["total_words"], diagnosis["covered_words"], diagnosis["uncovered_words"]) == (8, 5, 3)
    assert diagnosis["coverage_percentage"] == 62.5
    categories = diagnosis["categories"]
    assert categories["not_in_corpus"]["sample_words"] == ["souris"]
    assert categories["only_in_long_sentences"]["sample_words"] == ["village"]
    assert categories["only_in_short_sentences"]["sample_words"] == ["bonjour"]
    assert categories["in_valid_but_missed"]["count"] == 0
    assert all(category["description"] for category in categories.values())
    assert diagnosis["recommendation"]


def test_the_learning_set_downloads_as_csv(testapp, headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    response = testapp.get(f"/api/v1/coverage/runs/{run_id}/download", headers=headers)

    assert response.content_type == "text/csv"
    assert f"coverage_run_{run_id}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["Rank", "Sentence", "New words", "Index"]
    assert sorted(row[1] for row in rows[1:]) == sorted(SENTENCES[:2])


def test_the_learning_set_exports_to_a_new_spreadsheet(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in()
    user_id = sheets_app.get("/api/v1/auth/me", headers=headers).json["id"]
    job, _ = book(dbsession, user_id)
    wordlist = word_list(dbsession, user_id)
    run_id = run_of(sheets_app, headers, job, wordlist)["coverage_run"]["id"]

    exported = sheets_app.post_json(
        f"/api/v1/coverage/runs/{run_id}/export", {"sheet_name": "Mes phrases"}, headers=headers
    ).json

    spreadsheet = google_apis.only_spreadsheet()
    assert exported["message"] == "Export successful"
    assert exported["spreadsheet_id"] == spreadsheet.id and exported["spreadsheet_url"]
    assert spreadsheet.title == "Mes phrases"
    values = spreadsheet.tabs[0].values()
    assert values[0] == ["Index", "Sentence"]
    assert [row[1] for row in values[1:]] == [SENTENCES[1], SENTENCES[0]]


def test_an_export_without_a_google_grant_is_refused(testapp, headers, job, wordlist):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]

    refused = testapp.post_json(
        f"/api/v1/coverage/runs/{run_id}/export", {"sheet_name": "Mes phrases"}, headers=headers, status=403
    ).json

    assert refused["code"] == "forbidden"
    testapp.post_json(f"/api/v1/coverage/runs/{run_id}/export", {}, headers=headers, status=400)


def test_the_list_is_read_once_so_later_edits_change_no_run(testapp, headers, job, wordlist, dbsession):
    run_id = run_of(testapp, headers, job, wordlist)["coverage_run"]["id"]
    wordlist.word_keys = ["chat"]
    dbsession.commit()

    diagnosis = testapp.get(f"/api/v1/coverage/runs/{run_id}/diagnosis", headers=headers).json

    assert diagnosis["total_words"] == len(LISTED)


def test_without_a_list_the_users_default_list_comes_first(testapp, headers, dbsession, job, wordlist):
    word_list(dbsession, None, name="French 2K", default=True)
    testapp.post_json("/api/v1/settings", {"default_wordlist_id": wordlist.id}, headers=headers)

    started = start(testapp, headers, mode="coverage", source_type="job", source_id=job.id)

    assert started["coverage_run"]["wordlist_id"] == wordlist.id


def test_a_default_list_the_user_cannot_read_gives_way_to_the_global_one(testapp, headers, dbsession, login, job):
    max_id = login("max@example.com")["user"]["id"]
    theirs = word_list(dbsession, max_id, name="Max's")
    default = word_list(dbsession, None, name="French 2K", default=True)
    # Settings saved before the check that refuses such a list (a row of an older version).
    lea_id = login("lea@example.com")["user"]["id"]
    dbsession.add(UserSettings(user_id=lea_id, default_wordlist_id=theirs.id))
    dbsession.commit()

    started = start(testapp, headers, mode="coverage", source_type="job", source_id=job.id)

    assert started["coverage_run"]["wordlist_id"] == default.id
