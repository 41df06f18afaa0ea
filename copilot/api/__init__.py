"""FastAPI routes, grouped by who uses them."""
