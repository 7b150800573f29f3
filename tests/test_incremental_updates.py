"""What is made from every incident follows a small change exactly as a whole rebuild would.

After a write, a replica knows how its incidents changed (sahel.incidents.Change); the popup
codes (map_payload.followed_codes) and the sidebar's choices (overview.ChoiceCounts.followed) are
brought up to date from the rows changed. Checked here against the whole rebuild: on seeded
random changes of small frames (deletions, revisions, new rows, missing values, new values;
several changes in a row), on every kind of write to both stores through a Replica, and through
dashboard_cache (which must not rebuild them whole after a small write, on either store, and
must after a large one).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

import dashboard_cache
from sahel import incidents as incidents_module
from sahel.i18n import use_language
from sahel.incidents import Change, Replica
from sahel.map_payload import FACETS, facet_codes, followed_codes, incident_payload
from sahel.overview import ChoiceCounts, filter_choices, headline
from sahel.query import (
    IncidentQuery,
    count_sources_once,
    filter_incidents,
    filter_once,
    followed_view,
)
from sahel.schema import conform
from sahel.store import DATABASE_ENV, STORE_ENV, Store
from sahel.synthetic import synthetic_incidents

# Columns given missing values now and then (every facet has one), and values new to a frame.
HOLED = ("location", "actor2", "event_type", "fatalities", "claims", "source", "source_url",
         "dataset_name", "notes", "event_date", "admin1", "group1", "assoc_groups2")


@functools.cache
def pool() -> pd.DataFrame:
    """Return synthetic incidents to draw from (made once: ~0.3 s)."""
    return synthetic_incidents(300, 2026)


def varied(n: int, seed: int) -> pd.DataFrame:
    """Return `n` synthetic incidents with missing values and repeated values here and there."""
    rng = np.random.default_rng(seed)
    frame = pool().iloc[rng.choice(len(pool()), n, replace=False)].reset_index(drop=True)
    frame["event_id"] = [f"SYN-{seed}-{k}" for k in range(n)]
    for column in HOLED:
        holes = rng.random(n) < 0.15
        frame[column] = frame[column].where(~pd.Series(holes, index=frame.index))
    # A few notes and places are shared, so rows written later find known values.
    frame.loc[rng.random(n) < 0.3, "notes"] = "A note several rows share"
    frame["dataset_name"] = rng.choice(["first", "second", "demo: shipped"], n)
    frame.loc[rng.random(n) < 0.1, "dataset_name"] = None
    return conform(frame)


def changed(before: pd.DataFrame, seed: int, new_rows: int = 6
            ) -> tuple[pd.DataFrame, np.ndarray]:
    """Return `before` after a random small change as a replica makes it (rows deleted or
    revised dropped, the rest in order, then the rows written), and each row's number before
    (-1: written)."""
    rng = np.random.default_rng(seed)
    n = len(before)
    touched = rng.choice(n, size=min(n, int(rng.integers(0, 6))), replace=False)
    kept = np.setdiff1d(np.arange(n), touched)
    revised = before.iloc[touched[: len(touched) // 2]].copy()
    revised["fatalities"] = pd.array(rng.integers(0, 4, len(revised)), dtype="Int64")
    revised["notes"] = [f"revised {seed}-{k}" if k % 2 else None for k in range(len(revised))]
    fresh = varied(new_rows, seed + 7_000).assign(
        event_id=lambda f: f"NEW{seed}-" + f["event_id"])
    # Some rows written hold values the frame holds already, wholly or in part.
    copied = before.iloc[rng.choice(n, size=2)].assign(
        event_id=[f"COPY{seed}-{k}" for k in range(2)])
    copied.iloc[1, copied.columns.get_loc("location")] = f"Place {seed}"
    written = pd.concat([revised, fresh, copied], ignore_index=True)
    after = conform(pd.concat([before.iloc[kept], written], ignore_index=True))
    taken = np.concatenate([kept, np.full(len(written), -1)]).astype("int64")
    return after, taken


def views(frame: pd.DataFrame, seed: int) -> Iterator[pd.DataFrame]:
    """Yield a few views of `frame`: all of it, random subsets in random orders, one row."""
    rng = np.random.default_rng(seed)
    yield frame
    for size in (1, len(frame) // 3, len(frame) - 2):
        yield frame.iloc[rng.permutation(len(frame))[:max(size, 1)]]


def assert_same_payloads(known: object, frame: pd.DataFrame, seed: int) -> None:
    """Assert that every view's payload from `known` equals the one from a whole rebuild."""
    whole = facet_codes(frame)
    for view in views(frame, seed):
        assert incident_payload(view, known=known) == incident_payload(view, known=whole)
    use_language("fr")
    assert incident_payload(frame, known=known) == incident_payload(frame, known=whole)
    use_language("en")


@pytest.mark.parametrize("seed", range(4))
def test_followed_codes_give_the_payloads_of_a_whole_rebuild(seed):
    frame = varied(40, seed)
    known = facet_codes(frame)
    use_language("fr")
    known.values("date")  # rendered in French too: followed in both languages
    use_language("en")
    for step in range(3):  # several changes in a row: values never seen before pile up
        frame, taken = changed(frame, 100 * seed + step)
        known = followed_codes(known, frame, taken)
        assert_same_payloads(known, frame, seed)


def test_followed_codes_number_new_values_on_and_reuse_known_ones():
    frame = varied(30, 1)
    known = facet_codes(frame)
    copies = frame.iloc[[3, 4]].assign(event_id=["COPY-3", "COPY-4"])
    copies.iloc[1, copies.columns.get_loc("location")] = "A place never seen"
    after = conform(pd.concat([frame, copies], ignore_index=True))
    taken = np.concatenate([np.arange(30), [-1, -1]])
    followed = followed_codes(known, after, taken)
    # A row of known values only takes their codes; a value never seen is numbered on.
    for name in FACETS:
        assert followed.codes[name][30] == known.codes[name][3], name
    assert followed.codes["place"][31] == len(known.distinct["place"])
    assert len(followed.distinct["place"]) == len(known.distinct["place"]) + 1
    assert followed.codes["type"][31] == known.codes["type"][4]
    assert_same_payloads(followed, after, 1)


def test_followed_codes_of_deletions_only_keep_every_value():
    frame = varied(30, 2)
    known = facet_codes(frame)
    taken = np.arange(0, 30, 2)
    after = conform(frame.iloc[taken].reset_index(drop=True))
    followed = followed_codes(known, after, taken)
    assert all(len(followed.distinct[n]) == len(known.distinct[n]) for n in FACETS)
    assert_same_payloads(followed, after, 2)


@pytest.mark.parametrize("seed", range(4))
def test_followed_choices_equal_the_choices_of_every_incident(seed):
    frame = varied(40, seed)
    counts = ChoiceCounts.of(frame)
    assert counts.choices() == filter_choices(frame)
    for step in range(3):
        before = frame
        frame, taken = changed(frame, 100 * seed + step)
        gone = np.setdiff1d(np.arange(len(before)), taken[taken >= 0])
        counts = counts.followed(before.iloc[gone], frame.iloc[np.flatnonzero(taken < 0)])
        assert counts.choices() == filter_choices(frame)


def test_choices_drop_a_value_when_its_last_incident_goes():
    frame = varied(20, 3).assign(event_type="Battles", dataset_name="first", iso3="MLI",
                                 admin1="Mopti")
    last = frame.iloc[[0]].assign(event_type="Protests", dataset_name="only here",
                                  admin1="Gao", group1="ISGS")
    both = conform(pd.concat([frame, last], ignore_index=True))
    counts = ChoiceCounts.of(both)
    assert "Protests" in counts.choices().event_types
    followed = counts.followed(both.iloc[[20]], both.iloc[:0])
    assert followed.choices() == filter_choices(frame)
    assert "Protests" not in followed.choices().event_types
    assert followed.choices().regions == {"MLI": ("Mopti",)}


def test_changes_compose():
    frame = varied(30, 4)
    first, taken_1 = changed(frame, 41)
    second, taken_2 = changed(first, 42)

    def change(since: str, version: str, before: pd.DataFrame, taken: np.ndarray) -> Change:
        gone = np.setdiff1d(np.arange(len(before)), taken[taken >= 0])
        return Change(since, version, taken, gone, before.iloc[gone])

    both = change("v0", "v1", frame, taken_1).then(change("v1", "v2", first, taken_2))
    kept = both.taken >= 0
    pd.testing.assert_frame_equal(
        second.iloc[np.flatnonzero(kept)].reset_index(drop=True),
        frame.iloc[both.taken[kept]].reset_index(drop=True), check_like=True)
    # Removed: the rows at v0 that are not at v2, as they were at v0.
    gone = np.setdiff1d(np.arange(len(frame)), both.taken[kept])
    assert sorted(both.removed_at) == list(gone)
    assert set(both.removed["event_id"]) == set(frame.iloc[gone]["event_id"])
    counts = ChoiceCounts.of(frame).followed(both.removed, second.iloc[both.added_at])
    assert counts.choices() == filter_choices(second)
    assert_same_payloads(followed_codes(facet_codes(frame), second, both.taken), second, 4)


# Writes to a store, each followed by a replica (sahel.incidents.Replica).
def rows(*given: dict) -> pd.DataFrame:
    base = {"event_date": "2024-02-01", "latitude": 14.5, "longitude": -4.2, "group1": "JNIM",
            "admin1": "Mopti", "iso3": "MLI", "fatalities": 1, "dataset": "acled",
            "dataset_name": "team", "timestamp": 1000, "event_type": "Battles"}
    return conform(pd.DataFrame([{**base, **row} for row in given]))


def deletions(*ids: str, timestamp: int = 5000) -> pd.DataFrame:
    return pd.DataFrame({"event_id": list(ids),
                         "deleted_timestamp": pd.array([timestamp] * len(ids), dtype="Int64")})


STORE_WRITES: list[tuple[str, Callable[[Store], object]]] = [
    ("new rows", lambda s: s.add(rows({"event_id": "A"}, {"event_id": "B", "notes": "b"},
                                      {"event_id": "C", "location": "Sévaré"}))),
    ("a revision with a new group and type", lambda s: s.add(rows(
        {"event_id": "B", "group1": "ISGS", "event_type": "Protests", "timestamp": 2000}))),
    ("a new dataset and region", lambda s: s.add(rows(
        {"event_id": "D", "dataset_name": "other", "admin1": "Gao", "notes": None}))),
    ("deletions: the last Protests and the dataset's only row",
     lambda s: s.apply_deletions(deletions("B", "D"), "deleted.csv")),
    ("a shipped incident revised", lambda s: s.add(rows(
        {"event_id": "SEED-RFI-20231124-2", "fatalities": 44, "timestamp": 2_000_000_000}))),
    ("the shipped incident's revision deleted: the shipped row is back",
     lambda s: s.apply_deletions(deletions("SEED-RFI-20231124-2", timestamp=2_100_000_000),
                                 "deleted.csv")),
    ("a dataset removed", lambda s: s.remove_dataset_rows("team")),
]


@pytest.fixture
def small_is_all(monkeypatch: pytest.MonkeyPatch) -> None:
    # The shipped data are ~120 incidents: any write to a test store is "large" otherwise.
    monkeypatch.setattr(incidents_module, "SMALL_CHANGE_SHARE", 1.0)


def test_a_replica_says_how_its_incidents_changed(new_store, small_is_all):
    replica = Replica(new_store())
    first, first_version = replica.current()
    known, counts = facet_codes(first.incidents), ChoiceCounts.of(first.incidents)
    versions = [first_version]
    for label, write in STORE_WRITES:
        (before, since) = replica.current()
        write(new_store())
        replica.refresh()
        now, version = replica.current()
        versions.append(version)
        change = replica.change_since(since, version)
        assert change is not None, label
        frame = now.incidents
        kept = np.flatnonzero(change.taken >= 0)
        pd.testing.assert_frame_equal(
            frame.iloc[kept].reset_index(drop=True),
            before.incidents.iloc[change.taken[kept]].reset_index(drop=True), obj=label)
        known = followed_codes(known, frame, change.taken)
        counts = counts.followed(change.removed, frame.iloc[change.added_at])
        assert counts.choices() == filter_choices(frame), label
        assert_same_payloads(known, frame, 1)
    # From the first version to the last at once, composed.
    now, version = replica.current()
    whole = replica.change_since(versions[0], version)
    assert whole is not None
    counts = ChoiceCounts.of(first.incidents).followed(
        whole.removed, now.incidents.iloc[whole.added_at])
    assert counts.choices() == filter_choices(now.incidents)
    assert_same_payloads(followed_codes(facet_codes(first.incidents), now.incidents,
                                        whole.taken), now.incidents, 2)
    assert replica.change_since("a version never held", versions[-1]) is None


def test_a_large_change_is_not_followed(new_store):
    replica = Replica(new_store())
    _, since = replica.current()
    new_store().add(rows(*({"event_id": f"L{k}"} for k in range(20))))  # > 5 % of ~120
    replica.refresh()
    assert replica.change_since(since, replica.current()[1]) is None


@pytest.fixture
def cached_store(new_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[tuple[str, Callable[[], Store]]]:
    store = new_store()
    url = getattr(store, "url", None)
    if url:
        monkeypatch.setenv(DATABASE_ENV, str(url))
    monkeypatch.setenv(STORE_ENV, str(tmp_path))
    dashboard_cache.forget()
    yield str(tmp_path), new_store
    dashboard_cache.forget()


def test_the_dashboard_follows_a_small_write_and_rebuilds_after_a_large_one(
        cached_store, small_is_all):
    store_dir, new_store = cached_store
    dashboard_cache.choices_for(store_dir)
    dashboard_cache.popup_codes(store_dir)
    for label, write in STORE_WRITES:
        write(new_store())
        dashboard_cache.store_version(store_dir, max_age=0)
        with mock.patch("dashboard_cache.facet_codes", side_effect=facet_codes) as whole_codes, \
                mock.patch.object(ChoiceCounts, "of", side_effect=ChoiceCounts.of) as counted:
            assert dashboard_cache.refresh_if_changed(store_dir), label
            frame = dashboard_cache.incidents_frame(store_dir)
            choices = dashboard_cache.choices_for(store_dir)
            known = dashboard_cache.popup_codes(store_dir)
        assert choices == filter_choices(frame), label
        assert_same_payloads(known, frame, 3)
        # Followed on both stores: the counts of the rows changed only.
        assert whole_codes.call_count == 0, label
        assert all(len(call.args[0]) < len(frame) for call in counted.call_args_list), label
    # A large change is made again whole.
    dashboard_cache.INCREMENTAL = True
    with mock.patch.object(incidents_module, "SMALL_CHANGE_SHARE", 0.0):
        new_store().add(rows({"event_id": "LARGE"}))
        dashboard_cache.store_version(store_dir, max_age=0)
        assert dashboard_cache.refresh_if_changed(store_dir)
    with mock.patch("dashboard_cache.facet_codes", side_effect=facet_codes) as whole_codes:
        known = dashboard_cache.popup_codes(store_dir)
    assert whole_codes.call_count == 1
    assert_same_payloads(known, dashboard_cache.incidents_frame(store_dir), 4)


def test_counting_once_without_groups_is_count_once_of_every_record():
    import geopandas as gpd

    from sahel.link_groups import GROUP_COLUMNS, count_once
    from sahel.query import source_rows

    frame = varied(30, 6)
    frame = frame.set_axis(np.arange(100, 130))
    sources = IncidentQuery(include_demo=False)
    none = pd.DataFrame({c: pd.Series(dtype="object") for c in GROUP_COLUMNS})
    # Groups of records that are not among the sources, or of one record among them.
    elsewhere = pd.DataFrame({"event_id": ["X1", "X2", frame["event_id"].iloc[0], "X3"],
                              "event_group": ["g", "g", "h", "h"],
                              "dataset_key": ["a", "b", "a", "b"]})
    records = frame.loc[source_rows(frame, sources)]
    expected = count_once(records.assign(_row=np.arange(len(records))), none)
    expected.index = records.index[expected.pop("_row").to_numpy()]
    expected = gpd.GeoDataFrame(expected, geometry="geometry", crs=frame.crs)
    for groups in (none, elsewhere):
        quick = count_sources_once(frame, groups, sources)
        pd.testing.assert_frame_equal(quick.rows, expected)
        pd.testing.assert_series_equal(quick.group_of, records["event_id"].astype("object")
                                       .map({}).astype("object"))
        assert quick.groups.empty


VIEW_QUERIES = (IncidentQuery(), IncidentQuery(include_demo=False),
                IncidentQuery(min_fatalities=1), IncidentQuery(regions=frozenset({"Mopti", "Gao"})),
                IncidentQuery(datasets=frozenset({"first"}), precisions=frozenset({1, 2})))


@pytest.mark.parametrize("seed", range(4))
def test_a_view_followed_equals_the_view_filtered_again(seed):
    frame = varied(60, seed)
    # Days shared by several incidents: their order is by event_id.
    frame["event_date"] = frame["event_date"].dt.floor("30D")
    for step in range(2):
        before = frame
        frame, taken = changed(frame, 10 * seed + step)
        labels = np.full(len(before), -1)
        labels[taken[taken >= 0]] = np.flatnonzero(taken >= 0)
        for query in VIEW_QUERIES:
            view = filter_incidents(before, query)
            added = filter_incidents(frame.iloc[np.flatnonzero(taken < 0)], query)
            followed = followed_view(view, labels[view.index.to_numpy()], added)
            pd.testing.assert_frame_equal(followed, filter_incidents(frame, query), obj=str(query))


def test_a_view_not_in_order_is_filtered_again():
    frame = varied(20, 9)
    view = filter_incidents(frame, IncidentQuery())
    assert followed_view(view.iloc[::-1], view.index.to_numpy()[::-1], view.iloc[:0]) is None


def test_the_dashboard_follows_its_views_and_counts_linked_events_once(cached_store,
                                                                        small_is_all):
    from sahel.link_upkeep import after_write

    store_dir, new_store = cached_store
    queries = (dashboard_cache.DEFAULT_QUERY, IncidentQuery(include_demo=False),
               IncidentQuery(once=True, min_fatalities=1), IncidentQuery(once=True))
    for query in queries:
        dashboard_cache.selection(store_dir, query)
    # The same event from another dataset: linked after the write, so counted once.
    same_event = ("the same event in another dataset, linked", lambda s: after_write(s, s.add(
        rows({"event_id": "A2", "dataset_name": "other", "dataset": "ucdp_ged"}))))
    # A linked record revised: the groups stay, the event's toll changes.
    revised = ("a linked record revised", lambda s: after_write(s, s.add(
        rows({"event_id": "A2", "dataset_name": "other", "dataset": "ucdp_ged",
              "fatalities": 30, "timestamp": 3000}))))
    # A record of an event that another record stands for: the event's toll changes.
    member = ("a linked record that does not stand for its event revised",
              lambda s: after_write(s, s.add(rows({"event_id": "C", "location": "Sévaré",
                                                   "fatalities": 50, "timestamp": 3000}))))
    followed = []
    with mock.patch("dashboard_cache.followed_view", side_effect=followed_view) as follow:
        for label, write in [*STORE_WRITES[:3], same_event, revised, member, *STORE_WRITES[3:]]:
            write(new_store())
            dashboard_cache.store_version(store_dir, max_age=0)
            assert dashboard_cache.refresh_if_changed(store_dir), label
            frame = dashboard_cache.incidents_frame(store_dir)
            groups = dashboard_cache.linked(store_dir).groups
            for query in queries:
                selected, figures = dashboard_cache.selection(store_dir, query)
                if query.once:
                    counted = count_sources_once(frame, groups, query)
                    expected = filter_once(frame, counted, query)
                else:
                    expected = filter_incidents(frame, query)
                pd.testing.assert_frame_equal(selected, expected, obj=f"{label}: {query}")
                assert figures == headline(expected, query.include_associated)
            followed.append(follow.call_count)
    # Views followed after the writes, on both stores.
    assert followed[-1] > 0
