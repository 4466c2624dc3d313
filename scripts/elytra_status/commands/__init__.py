"""The commands people and cron type: each one's arguments, one call, and its exit code."""
