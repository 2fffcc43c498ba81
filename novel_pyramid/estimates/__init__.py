"""Estimates: the text, page and image counts and the price of an uploaded PDF, before any job exists.

``IEstimateService`` reads the upload with the pipeline's extraction and prices
it with the credits subsystem's ``IPriceTable`` and ``ITokenCounter``.
"""

from novel_pyramid.estimates.interfaces import IEstimateService
from novel_pyramid.estimates.services import EstimateService


def includeme(config):
    config.register_service_factory(EstimateService.create_service, IEstimateService)
