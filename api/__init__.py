"""GraphQL and HTTP entry points."""
