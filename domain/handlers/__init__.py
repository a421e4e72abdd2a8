"""Commands and their handlers: every write, from every entry point, goes through one of them."""
