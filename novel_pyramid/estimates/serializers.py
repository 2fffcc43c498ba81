"""JSON of the estimates subsystem's results, as v1 answers them (docs/api.md, "Estimates of a PDF")."""

from novel_pyramid.credits.pricing import rate_json


def text_json(extracted):
    return {"text": extracted.text, "page_count": extracted.page_count}


def estimate_json(estimate):
    body = {
        "page_count": estimate.page_count,
        "file_size": estimate.file_size,
        "image_count": estimate.image_count,
        "estimated_tokens": estimate.estimated_tokens,
        "estimated_credits": estimate.estimated_credits,
        "model": estimate.model,
        "model_preference": estimate.model_preference,
        "pricing_rate": rate_json(estimate.pricing_rate),
        "pricing_version": estimate.pricing_version,
        "estimation_method": estimate.estimation_method,
        "capped": estimate.capped,
    }
    if estimate.warning is not None:
        body["warning"] = estimate.warning
    return body
