"""Alembic migrations of the PostgreSQL store: `python -m sahel db upgrade` applies them."""
