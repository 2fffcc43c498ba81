"""At start-up: the CRD in the cluster must be at least the one this operator was built with.

An older CRD silently prunes the fields it does not know (the API server drops
them from every write), so the operator would run on specs and statuses with
holes. With ``NOVEL_OPERATOR_MANAGE_CRD`` the operator applies its own CRD
(server-side apply, its field manager) when the cluster's is older or missing;
without it, or when the API server refuses, it does not start. A newer CRD
(a newer operator applied it) is left alone.
"""

import logging

from novel_operator import constants as c
from novel_operator import kube
from novel_operator.crd import build_crd, schema_generation

CRD_PATH = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{c.CRD_NAME}"

logger = logging.getLogger(__name__)


class CRDOutdated(RuntimeError):
    """The cluster's CRD is older than the operator's, and the operator may not or could not upgrade it."""


async def ensure_crd(client: kube.KubeClient, *, manage: bool) -> int:
    """Return the schema generation the cluster now has; raise :class:`CRDOutdated` to refuse to run."""
    stored = await client.get(CRD_PATH)
    have = schema_generation(stored) if stored is not None else 0
    if have >= c.CRD_SCHEMA_GENERATION:
        if have > c.CRD_SCHEMA_GENERATION:
            logger.warning(
                "The CRD %s is newer (%d) than this operator's (%d)", c.CRD_NAME, have, c.CRD_SCHEMA_GENERATION
            )
        return have
    what = "missing" if stored is None else f"at schema generation {have}"
    if not manage:
        raise CRDOutdated(
            f"the CRD {c.CRD_NAME} is {what}, older than this operator's ({c.CRD_SCHEMA_GENERATION}): apply "
            "helm/novel-pyramid/crds/ (kubectl apply --server-side) or run with NOVEL_OPERATOR_MANAGE_CRD=true"
        )
    try:
        applied = await client.apply(CRD_PATH, build_crd())
    except kube.KubeError as exc:
        raise CRDOutdated(f"the CRD {c.CRD_NAME} is {what} and could not be applied: {exc}") from exc
    logger.info("Applied the CRD %s at schema generation %d", c.CRD_NAME, c.CRD_SCHEMA_GENERATION)
    return schema_generation(applied)
