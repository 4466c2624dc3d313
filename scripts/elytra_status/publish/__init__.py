"""Publishing one generation: the upload and its check, this generator's objects, the public check, the heartbeat."""
