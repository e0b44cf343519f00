"""HTTP plumbing shared by every domain: app factory, error rendering, request limits."""
