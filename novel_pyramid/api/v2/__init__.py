"""API v2: the asynchronous, job-centred API (CONTRACT §3). Its services are added by the jobs work."""


def includeme(config):
    pass
