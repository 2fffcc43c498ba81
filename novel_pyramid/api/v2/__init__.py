"""API v2: the asynchronous, job-centred API (docs/api.md, "v2: jobs as resources")."""

from novel_pyramid.api.v2 import coverage, credits, estimates, history, jobs, responses, wordlists
from novel_pyramid.api.v2 import exports as job_exports
from novel_pyramid.api.v2.auth import SERVICES as SESSION_SERVICES


def includeme(config):
    # Serves /api/v2/openapi.json, documenting whatever services v2 registers.
    config.include("novel_pyramid.api.openapi")
    config.add_openapi_document()
    config.add_openapi_responses(responses.RESPONSES)
    # Jobs: submit, list, read, cancel, retry, delete, sentences (novel_pyramid.jobs).
    for service in jobs.SERVICES:
        config.add_cornice_service(service)
    # Exports of a finished job (novel_pyramid.exporters).
    config.add_openapi_responses(job_exports.RESPONSES)
    for service in job_exports.SERVICES:
        config.add_cornice_service(service)
    # Credits: the month's balance and the ledger (novel_pyramid.credits).
    config.add_openapi_responses(credits.RESPONSES)
    for service in credits.SERVICES:
        config.add_cornice_service(service)
    # Estimates of a PDF or a text, which reservations must match (novel_pyramid.estimates).
    config.add_openapi_responses(estimates.RESPONSES)
    for service in estimates.SERVICES:
        config.add_cornice_service(service)
    # History: the user's entries, each with its job's chunks and sentences (novel_pyramid.history, jobs.details).
    config.add_openapi_responses(history.RESPONSES)
    for service in history.SERVICES:
        config.add_cornice_service(service)
    # Word lists: the user's own and the global ones (novel_pyramid.wordlists).
    config.add_openapi_responses(wordlists.RESPONSES)
    for service in wordlists.SERVICES:
        config.add_cornice_service(service)
    # Coverage runs: the learning sets built from the user's books (novel_pyramid.coverage).
    config.add_openapi_responses(coverage.RESPONSES)
    for service in coverage.SERVICES:
        config.add_cornice_service(service)
    # Sign-in sessions: list, revoke one, sign out everywhere.
    for service in SESSION_SERVICES:
        config.add_cornice_service(service)
