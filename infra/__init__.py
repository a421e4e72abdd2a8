"""Drivers, settings, processes and the composition root."""
