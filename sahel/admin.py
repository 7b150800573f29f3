"""What an administrator does to datasets and people, shared by the CLI and the page.

- `remove_and_relink`: remove an imported dataset under the CLI's rules (`sahel.datasets.
  remove_dataset`: shipped demonstration data cannot go, an unknown name gets the closest known
  ones), then bring the store's links up to date, as every write does.
- `origin`: how a dataset came into the store, for the CLI's list and the page's table.
- `check_own_grant`: an administrator may not remove or lower their own admin role, so that a
  team always keeps someone who can give roles (the page's rule; the CLI is the server's
  operators' tool and has no person to protect).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from sahel.access import clean_name
from sahel.datasets import Dataset, remove_dataset

if TYPE_CHECKING:
    from sahel.link_upkeep import LinkSummary
    from sahel.store import Store

ADMIN = "admin"


class Origin(Enum):
    """How a dataset came into the store."""

    SHIPPED = "shipped"  # a demonstration file of data/incidents/
    IMPORTED = "imported"  # an import the registry records, with its time
    REPORT = "report"  # incidents added from a news report
    EARLIER = "earlier"  # rows of an import no registry records (older versions)


class OwnGrantError(ValueError):
    """An administrator tried to remove or lower their own admin role."""


@dataclass(frozen=True)
class Removal:
    """What removing a dataset did: its rows removed, and the links' upkeep after (None when no
    row went)."""

    dataset: str
    rows: int
    links: LinkSummary | None


def origin(dataset: Dataset) -> Origin:
    """Return how `dataset` came into the store."""
    from sahel.extract.report import DATASET_PREFIX as REPORT_PREFIX

    if dataset.demo:
        return Origin.SHIPPED
    if dataset.imported_at is not None:
        return Origin.IMPORTED
    if dataset.name.startswith(REPORT_PREFIX):
        return Origin.REPORT
    return Origin.EARLIER


def remove_and_relink(name: str, store: Store) -> Removal:
    """Remove the imported dataset `name` from `store` (recorded: the history, or the removals
    log) and drop the links of its rows; raise DatasetError when it cannot go."""
    from sahel.link_upkeep import after_write

    rows = remove_dataset(name, store)
    return Removal(dataset=name, rows=rows, links=after_write(store, rows) if rows else None)


def check_own_grant(actor: str | None, name: str, role: str | None) -> None:
    """Raise OwnGrantError when `actor` would remove (`role` None) or lower their own role.

    The page lets admins only change roles, so `actor` is one; another admin may change theirs.
    """
    if actor is None or clean_name(name) != clean_name(actor):
        return
    if role != ADMIN:
        raise OwnGrantError(f"{actor} may not remove or lower their own admin role: another "
                            "admin must, so that someone can always give roles")
