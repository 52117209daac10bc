"""One module per screen (properties and calls into services), each with its ``kv/<name>.kv``."""
