"""The plumbing every stage uses: settings, logs, time, atomic files, HTTP and S3 clients, schemas, exit codes."""
