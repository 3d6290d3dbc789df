"""Use cases: each runs in an app context (never needs a request) and says if it commits."""
