"""Estimates: the text, page and image counts and the price of an upload or a text, before any job exists.

``IEstimateService`` reads the upload with the pipeline's extraction, prices it
with the credits subsystem's ``IPriceTable`` and ``ITokenCounter``, and records
what it answered, which a confirmation must match. ``IExtractionStore`` keeps
the chunks of the whole books it read for the jobs that follow.
"""

from novel_pyramid.estimates.interfaces import IEstimateService, IExtractionStore
from novel_pyramid.estimates.services import EstimateService
from novel_pyramid.estimates.store import ExtractionStore


def includeme(config):
    config.register_service_factory(EstimateService.create_service, IEstimateService)
    config.register_service_factory(ExtractionStore.create_service, IExtractionStore)
