"""The keys this project writes in the status bucket: never counted as backups when the buckets are shared."""

from __future__ import annotations

# The private objects of two-site mode (the lease, each site's health), under the public files' folder.
SITES_FOLDER = ".sites/"


class OwnKeys(frozenset):
    """Exact keys, and one folder whose every key is ours."""

    folder: str | None = None

    def __new__(cls, keys: object = (), folder: str | None = None) -> OwnKeys:
        made = super().__new__(cls, keys)  # type: ignore[arg-type]
        made.folder = folder
        return made

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or bool(self.folder and isinstance(key, str) and key.startswith(self.folder))
