"""Read models stored in PostgreSQL."""
