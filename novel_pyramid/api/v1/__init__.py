"""API v1: wire-compatible with the existing Next.js frontend (docs/api.md, "v1: the frontend's API")."""

from novel_pyramid.api.v1 import (
    auth,
    coverage,
    credits,
    estimates,
    exports,
    health,
    history,
    jobs,
    processing,
    responses,
    settings,
    wordlists,
)

SERVICES = (
    health.health,
    health.liveness,
    auth.google_login,
    auth.refresh,
    auth.me,
    auth.logout,
    settings.user_settings,
    *history.SERVICES,
    exports.export_to_sheet,
    processing.process_pdf,
    processing.job_status,
    *credits.SERVICES,
    *estimates.SERVICES,
    *jobs.SERVICES,
    *coverage.SERVICES,
    *wordlists.SERVICES,
)


def includeme(config):
    # Serves /api/v1/openapi.json, documenting the services below.
    config.include("novel_pyramid.api.openapi")
    config.add_openapi_document()
    config.add_openapi_responses(responses.RESPONSES)
    config.add_openapi_responses(exports.RESPONSES)
    config.add_openapi_responses(credits.RESPONSES)
    config.add_openapi_responses(estimates.RESPONSES)
    # After responses': the history entries' fields are declared with the history services.
    config.add_openapi_responses(history.RESPONSES)
    # After credits': the Job shape of GET /credits/jobs/{id} is declared with the jobs list.
    config.add_openapi_responses(jobs.RESPONSES)
    config.add_openapi_responses(coverage.RESPONSES)
    config.add_openapi_responses(wordlists.RESPONSES)
    for service in SERVICES:
        config.add_cornice_service(service)
    # Development sign-in exists only where the settings enable it; production
    # refuses to start with it enabled (novel_pyramid.config).
    if config.get_settings()["auth.dev_login"]:
        config.add_cornice_service(auth.dev_login)
