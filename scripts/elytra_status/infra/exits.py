"""The exit codes of every command, defined once; the README's "Exit codes" lists them."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_SOURCE_FAILED = 3
EXIT_UPLOAD_FAILED = 4
# Published, but the run's memory (STATE_FILE) could not be written: history stops advancing.
EXIT_STATE_NOT_SAVED = 5
EXIT_LOCKED = 75
# publish.py: the file is missing, empty, invalid or stale, so nothing was uploaded.
EXIT_REFUSED = EXIT_FAILED
# public_check.py answers as a Nagios check does: 0 OK, 2 CRITICAL.
EXIT_CRITICAL = 2
