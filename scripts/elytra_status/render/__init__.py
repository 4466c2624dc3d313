"""The public files of a run: status.json, the Statuspage v2 bundle, the history, the page and the feed."""
