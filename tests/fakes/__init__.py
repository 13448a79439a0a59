"""Test doubles other tests reuse: a fake geocoding HTTP server, sample data."""
