"""v2 coverage runs as resources: create, list, read, assignments, swap, diagnosis, download, export."""

import pytest

from tests.functional.coverage_data import COVERED, SENTENCES, book, counts, word_list

RUNS = "/api/v2/coverage/runs"


@pytest.fixture
def lea(testapp, login):
    return login()["user"]["id"]


@pytest.fixture
def job(dbsession, lea):
    job, _ = book(dbsession, lea)
    return job


@pytest.fixture
def wordlist(dbsession, lea):
    return word_list(dbsession, lea)


def create(testapp, headers, job, wordlist, status=202, **extra):
    body = {"mode": "coverage", "source_type": "job", "source_id": job.id, "wordlist_id": wordlist.id, **extra}
    return testapp.post_json(RUNS, body, headers=headers, status=status)


def test_a_created_run_is_accepted_with_its_location(testapp, headers, job, wordlist):
    response = create(testapp, headers, job, wordlist)

    run = response.json
    assert response.headers["Location"].endswith(f"{RUNS}/{run['id']}")
    assert run["status"] == "completed" and run["step"] == "finished" and run["progress"] == {"percent": 100}
    assert run["credits_charged"] == 2 and run["source_ids"] == [job.id]
    assert sorted(entry["sentence_index"] for entry in run["learning_set"]) == [0, 1]
    assert set(run["links"]) == {"self", "assignments", "diagnosis", "download", "export"}
    assert testapp.get(run["links"]["self"], headers=headers).json == run


def test_runs_are_listed_newest_first_a_page_at_a_time(testapp, headers, job, wordlist):
    ids = [create(testapp, headers, job, wordlist).json["id"] for _ in range(3)]

    first = testapp.get(RUNS, {"limit": 2}, headers=headers).json
    second = testapp.get(RUNS, {"limit": 2, "cursor": first["next_cursor"]}, headers=headers).json

    assert [run["id"] for run in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None
    testapp.get(RUNS, {"limit": 0}, headers=headers, status=400)
    testapp.get(RUNS, {"cursor": "x"}, headers=headers, status=400)


def test_assignments_are_a_sub_resource(testapp, headers, job, wordlist):
    run = create(testapp, headers, job, wordlist).json

    first = testapp.get(run["links"]["assignments"], {"limit": 3}, headers=headers).json
    rest = testapp.get(run["links"]["assignments"], {"limit": 3, "cursor": first["next_cursor"]}, headers=headers).json

    assert first["total"] == 5 and len(first["items"]) == 3 and rest["next_cursor"] is None
    assert {item["word_key"] for item in first["items"] + rest["items"]} == COVERED


def test_swap_diagnosis_and_download(testapp, headers, job, wordlist):
    run = create(testapp, headers, job, wordlist).json
    base = f"{RUNS}/{run['id']}"

    swapped = testapp.post_json(f"{base}/swap", {"word_key": "chat", "new_sentence_index": 3}, headers=headers).json
    refused = testapp.post_json(
        f"{base}/swap", {"word_key": "chat", "new_sentence_index": 1}, headers=headers, status=400
    ).json
    diagnosis = testapp.get(f"{base}/diagnosis", headers=headers).json
    download = testapp.get(f"{base}/download", headers=headers)

    assert swapped["sentence_text"] == SENTENCES[3] and swapped["manual_edit"] is True
    assert "does not contain" in refused["error"]
    assert diagnosis["categories"]["not_in_corpus"]["sample_words"] == ["souris"]
    assert download.content_type == "text/csv" and SENTENCES[3] in download.text


def test_another_users_runs_are_not_found_and_not_listed(testapp, headers, auth_headers, job, wordlist):
    run = create(testapp, headers, job, wordlist).json
    other = auth_headers("max@example.com")

    for path in ("", "/assignments", "/diagnosis", "/download"):
        testapp.get(f"{RUNS}/{run['id']}{path}", headers=other, status=404)
    assert testapp.get(RUNS, headers=other).json["items"] == []


def test_another_users_job_is_not_found_and_nothing_written(testapp, auth_headers, job, wordlist, dbsession):
    other = auth_headers("max@example.com")
    own_list = word_list(dbsession, None, name="Global")

    create(testapp, other, job, own_list, status=404)

    assert counts(dbsession) == (0, 0, 0)
