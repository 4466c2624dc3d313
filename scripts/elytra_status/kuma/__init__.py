"""Reading Uptime Kuma with an API key: /metrics, the published status page, badges, and who should be there."""
