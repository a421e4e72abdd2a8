"""The bearer tokens tests and fuzzing send, one per role (public sends none)."""

from __future__ import annotations

TOKENS = {
    "editor-token": ("edith", "editor"),
    "admin-token": ("ada", "admin"),
    "counsellor-token": ("colette", "counsellor"),
    "analyst-token": ("anaïs", "analyst"),
    "auditor-token": ("aude", "auditor"),
    "coverage-token": ("corinne", "coverage_admin"),
    "monitoring-token": ("mona", "monitoring"),
}

# As GUICHET_TOKENS holds them.
TOKENS_SETTING = ",".join(f"{name}:{role}:{token}" for token, (name, role) in TOKENS.items())
