"""People's roles (viewer, editor, admin): who gave each and when.

Revision 0002. A person the table does not list gets SAHEL_DEFAULT_ROLE (sahel.access).
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the roles table."""
    op.execute("""
        CREATE TABLE sahel_users (
          name text PRIMARY KEY CHECK (name <> ''),
          role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
          granted_by text NOT NULL,
          granted_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    """Drop the roles table."""
    op.execute("DROP TABLE sahel_users")
