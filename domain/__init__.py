"""The pure, synchronous model: aggregates, their events, values and errors."""
