"""The keys this project writes in the status bucket: never counted as backups when the buckets are shared."""

from __future__ import annotations

# The private objects of two-site mode (the lease, each site's health), under the public files' folder.
SITES_FOLDER = ".sites/"
# Under the public files' folder, beside the JSON files of the bundle's schema: the rendered files, and
# the folders whose keys vary (a page an incident, the Uptime Kuma-shaped JSON by the page's slug).
RENDERED = ("index.html", "history.atom", "maintenance.ics")
FOLDERS = (SITES_FOLDER, "incidents/", "api/status-page/")


class OwnKeys(frozenset):
    """Exact keys, and folders whose every key is ours."""

    folders: tuple[str, ...] = ()

    def __new__(cls, keys: object = (), folders: tuple[str, ...] = ()) -> OwnKeys:
        made = super().__new__(cls, keys)  # type: ignore[arg-type]
        made.folders = folders
        return made

    def __contains__(self, key: object) -> bool:
        if super().__contains__(key):
            return True
        return isinstance(key, str) and any(key.startswith(folder) for folder in self.folders)
