"""Reviewing incidents: the audit log (`log`, a table of the store file) and the
actions editors take (`actions`: verify, reject, edit, merge, split), each written to
the corrections file so that a rebuilt store gets every decision back."""
