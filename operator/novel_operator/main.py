"""Entry module for ``kopf run -m novel_operator.main``: registers the handlers into Kopf's default registry."""

import kopf

from novel_operator.config import OperatorConfig
from novel_operator.handlers import register

register(kopf.get_default_registry(), OperatorConfig.from_environment())
