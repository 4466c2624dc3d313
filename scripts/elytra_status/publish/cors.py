"""The status bucket's CORS rules: what CORS_ALLOWED_ORIGINS asks for, what is in place, and applying them."""

from __future__ import annotations

from typing import Any

from elytra_status.infra.settings import Config


def cors_rules(config: Config) -> list[dict[str, Any]]:
    return [
        {
            "AllowedOrigins": list(config.cors_allowed_origins),
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "MaxAgeSeconds": 3600,
        }
    ]


def current_cors(client: Any, bucket: str) -> list[dict[str, Any]]:
    from botocore.exceptions import ClientError

    try:
        return client.get_bucket_cors(Bucket=bucket).get("CORSRules", [])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchCORSConfiguration":
            return []
        raise


def apply_cors(config: Config, client: Any) -> bool:
    """Put the rules unless they are already in place; True when something changed."""
    wanted = cors_rules(config)
    if _normal(current_cors(client, config.status_bucket)) == _normal(wanted):
        return False
    client.put_bucket_cors(Bucket=config.status_bucket, CORSConfiguration={"CORSRules": wanted})
    return True


def _normal(rules: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            tuple(sorted(r.get("AllowedOrigins", []))),
            tuple(sorted(r.get("AllowedMethods", []))),
            tuple(sorted(r.get("AllowedHeaders", []))),
            r.get("MaxAgeSeconds"),
        )
        for r in rules
    )
