"""The JSON of credits figures, ledger entries and estimates (docs/api.md, "Credits")."""

from novel_pyramid.credits.pricing import rate_json
from novel_pyramid.db.types import isoformat


def summary_json(summary):
    return {
        "balance": summary.balance,
        "granted": summary.granted,
        "used": summary.used,
        "refunded": summary.refunded,
        "adjusted": summary.adjusted,
        "month": summary.month,
        "next_reset": isoformat(summary.next_reset),
    }


def entry_json(entry):
    return {
        "id": entry.id,
        "user_id": entry.user_id,
        "month": entry.month,
        "delta_credits": entry.delta_credits,
        "reason": entry.reason,
        "job_id": entry.job_id,
        "pricing_version": entry.pricing_version,
        "description": entry.description,
        "timestamp": isoformat(entry.created_at),
    }


def estimate_json(estimate):
    body = {
        "model": estimate.model,
        "model_preference": estimate.model_preference,
        "estimated_tokens": estimate.estimated_tokens,
        "estimated_credits": estimate.estimated_credits,
        "pricing_rate": rate_json(estimate.pricing_rate),
        "pricing_version": estimate.pricing_version,
        "estimation_method": estimate.estimation_method,
        "current_balance": estimate.current_balance,
        "allowed": estimate.allowed,
    }
    if not estimate.allowed:
        body["message"] = (
            f"This needs {estimate.estimated_credits} credits and the balance is {estimate.current_balance}."
        )
    return body
