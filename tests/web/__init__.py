"""Web intake tests, against the fake news server in tests/fakes (127.0.0.1 only)."""
