"""Links between records of different datasets, and editors' hand decisions on them.

Revision 0003. `incident_links` holds what `sahel.link_upkeep` keeps: accepted links and the
pairs rejected by hand, one row per pair, with their scores and reasons (the columns of
`sahel.links.LINK_COLUMNS`, written out here as they were when this was written);
`link_decisions` the decisions, keyed by the two event ids (smaller first, as Python orders
text: no CHECK, the database's collation may order otherwise) whatever dataset brings the
records back; `link_state` one row once links were first stored. The links and decisions are
indexed on both event ids (the primary key leads with the first): relinking an import deletes
the links touching its records from either side.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LINK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id_a", "text NOT NULL"),
    ("event_id_b", "text NOT NULL"),
    ("dataset_a", "text"),
    ("dataset_b", "text"),
    ("score", "double precision"),
    ("accepted", "boolean NOT NULL"),
    ("grouped", "boolean NOT NULL"),
    ("decision", "text"),
    ("time_score", "double precision"),
    ("place_score", "double precision"),
    ("type_score", "double precision"),
    ("actor_score", "double precision"),
    ("toll_score", "double precision"),
    ("time_reason", "text"),
    ("days_apart", "bigint"),
    ("time_precision", "bigint"),
    ("place_reason", "text"),
    ("distance_km", "double precision"),
    ("place_match", "text"),
    ("type_reason", "text"),
    ("type_a", "text"),
    ("type_b", "text"),
    ("actor_reason", "text"),
    ("actor_groups", "text"),
    ("toll_reason", "text"),
    ("toll_a", "text"),
    ("toll_b", "text"),
)


def upgrade() -> None:
    """Create the links and decisions tables and their indexes."""
    columns = ",\n  ".join(f'"{name}" {kind}' for name, kind in LINK_COLUMNS)
    op.execute(f"CREATE TABLE incident_links (\n  {columns},\n"
               "  PRIMARY KEY (event_id_a, event_id_b)\n)")
    op.execute("CREATE INDEX incident_links_b ON incident_links (event_id_b)")
    op.execute("""
        CREATE TABLE link_decisions (
          event_id_a text NOT NULL,
          event_id_b text NOT NULL,
          decision text NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
          decided_by text NOT NULL,
          decided_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (event_id_a, event_id_b)
        )""")
    op.execute("CREATE INDEX link_decisions_b ON link_decisions (event_id_b)")
    # One row once links were first stored: a store never linked is linked whole.
    op.execute("""
        CREATE TABLE link_state (
          one boolean PRIMARY KEY DEFAULT true CHECK (one),
          first_linked_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    """Drop the links and decisions tables."""
    op.execute("DROP TABLE link_state")
    op.execute("DROP TABLE link_decisions")
    op.execute("DROP TABLE incident_links")
