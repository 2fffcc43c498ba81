"""API v2: the asynchronous, job-centred API (CONTRACT §3). Its services are added by the jobs work."""


def includeme(config):
    # Serves /api/v2/openapi.json, documenting whatever services v2 registers.
    config.include("novel_pyramid.api.openapi")
    config.add_openapi_document()
