"""Online provider tests, against the fake server in tests/fakes."""
