"""Backups of the log, and restores from them (`guichet backup`, `guichet restore`)."""
