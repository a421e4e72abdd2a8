"""What each read model means, independent of the engine that stores it."""
