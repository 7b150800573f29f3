"""A record's sources and links, for editors: the map's popups offer them
(maps.with_editor_links) and the page shows them in a dialog where an editor confirms a link,
rejects it ("not the same event"), undoes a decision or links the record to another by hand;
in an event of three records or more, takes any of them out of it ("Not this event": every
link tying it to the others rejected at once, said before and undoable after).
Streamlit only; the candidates are `sahel.link_review`'s, a decision is
`sahel.link_upkeep.decide` (recorded, then the pair relinked).

Viewers are not offered it, and a forged request from one writes nothing: the role is read
again right before every write (dashboard_access.store_for_writing). The dialog stays open
through the run that follows a decision (the figures and the map show its effect behind it) and
closes when dismissed.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

import pandas as pd
import streamlit as st

import dashboard_cache
from dashboard_access import identity, may, store_for_writing
from sahel import link_upkeep
from sahel.access import AccessConfigError, Action, Refused
from sahel.cli import printable
from sahel.i18n import _, format_date, format_number, ngettext
from sahel.link_candidates import dataset_keys
from sahel.link_review import (
    SAME_DATASET,
    SAME_RECORD,
    UNKNOWN_RECORD,
    TakeOut,
    decide_all,
    decision_refusal,
    record_candidates,
    take_out,
)
from sahel.links import reasons_json
from sahel.map_sources import reasons_html
from sahel.store import StoreError, open_store
from sahel.store.link_rows import pair_key

# The session-state key of the record whose sources and links a popup asked for (dashboard.py
# sets it; dismissing the dialog removes it).
LINKS_KEY = "links_of"
# What the last decision recorded: said once, by a toast, on the run after it.
DONE_KEY = "link_review_done"
# The "Link to another record" boxes: a nearby record picked, or an event id typed.
PICK_KEY = "link_review_pick"
TYPED_KEY = "link_review_typed"
# The last record taken out of its event from this session's dialog, and how to put it back:
# {"opened": the dialog's record, "record": the one taken out, "undo": [[a, b, decision before]]}.
TAKEN_KEY = "link_review_taken"
# The longest data value the dialog shows whole (an event id, a place); longer ones are cut.
PLAIN_MAX_CHARS = 200
DAY = "d MMM yyyy"
MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def offers_link_review() -> bool:
    """Return whether the person may decide on links (editors; everyone without sign-in)."""
    return may(Action.EDIT)


def plain(value: object) -> str:
    """Return a data value as Markdown that shows it as it is ("" when missing): Markdown's
    signs escaped, control and bidi characters written out as the CLI does (`printable`), and
    cut at PLAIN_MAX_CHARS (an id typed or pasted may be anything)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = printable(value)
    if len(text) > PLAIN_MAX_CHARS:
        text = text[:PLAIN_MAX_CHARS] + "…"
    return MARKDOWN_SIGNS.sub(r"\\\1", text)


def describe_record(row: pd.Series) -> str:
    """Return a record as one Markdown line: date, place, armed groups, toll, dataset, id."""
    day = (format_date(row["event_date"], DAY) if pd.notna(row["event_date"])
           else _("undated"))
    place = ", ".join(plain(row[c]) for c in ("location", "admin1", "country")
                      if plain(row[c]))
    groups = " – ".join(plain(row[c]) for c in ("group1", "group2") if plain(row[c]))
    toll = (_("toll not given") if pd.isna(row["fatalities"]) else _("toll {count}").format(
        count=format_number(int(row["fatalities"]))))
    return " · ".join(part for part in (day, place, groups or _("no armed group named"), toll,
                                        plain(row["dataset_name"]) or plain(row["dataset"]),
                                        plain(row["event_id"])) if part)


def show_link_review(store_dir: str) -> None:
    """Say what the last decision recorded; open the dialog of the record a popup asked for
    (nothing for someone who may not decide)."""
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.toast(done)
    event_id = st.session_state.get(LINKS_KEY)
    if not isinstance(event_id, str) or not offers_link_review():
        st.session_state.pop(LINKS_KEY, None)
        return

    def dismissed() -> None:
        st.session_state.pop(LINKS_KEY, None)
        st.session_state.pop(PICK_KEY, None)
        st.session_state.pop(TYPED_KEY, None)
        st.session_state.pop(TAKEN_KEY, None)

    @st.dialog(_("Sources and links of {event_id}").format(event_id=plain(event_id)),
               width="large", on_dismiss=dismissed)
    def dialog() -> None:
        draw_review(store_dir, event_id)

    dialog()


@st.cache_resource(show_spinner=False, max_entries=2)
def _positions(store_dir: str, version: Hashable) -> dict[str, int]:
    """Return each incident's row by its event id."""
    ids = dashboard_cache.incidents_frame(store_dir)["event_id"].astype("str")
    return dict(zip(ids, range(len(ids)), strict=True))


@st.cache_resource(show_spinner=False, max_entries=8)
def _candidates(store_dir: str, version: Hashable, event_id: str) -> pd.DataFrame:
    return record_candidates(dashboard_cache.incidents_frame(store_dir), event_id)


@st.cache_resource(show_spinner=False, max_entries=2)
def _stored_links(store_dir: str, version: Hashable) -> pd.DataFrame:
    """Return the links the store keeps (accepted ones, and those rejected by hand)."""
    return dashboard_cache.replica(store_dir).store.load_links()


def _decisions(store_dir: str, event_id: str) -> dict[str, dict[str, str]]:
    """Return the hand decisions on pairs of `event_id`, by the other record's id."""
    try:
        decisions = open_store(store_dir).load_decisions()
    except StoreError as error:
        st.warning(_("The decisions made by hand could not be read: {error}").format(
            error=error))
        return {}
    found = {}
    for row in decisions.astype("object").to_dict("records"):
        a, b = str(row["event_id_a"]), str(row["event_id_b"])
        if event_id in (a, b):
            found[b if a == event_id else a] = {k: str(row[k] or "") for k in
                                                ("decision", "decided_by", "decided_at")}
    return found


def decided_text(decided: dict[str, str]) -> str:
    """Return who decided on a pair, and when, in the page's language."""
    when = ""
    try:
        moment = pd.Timestamp(decided["decided_at"]).tz_convert("UTC")
        when = f"{format_date(moment.date(), DAY)} {moment:%H:%M} UTC"
    except (ValueError, TypeError):
        pass
    name = plain(decided["decided_by"]) or _("someone")
    if decided["decision"] == "confirmed":
        return _("Confirmed by hand by {name}, {when}.").format(name=name, when=when)
    return _("Marked “not the same event” by {name}, {when}.").format(name=name, when=when)


def writer() -> str:
    """Return who decides: the signed-in name, else `link_upkeep.decider()` (single user)."""
    try:
        name = identity().name
    except (AccessConfigError, StoreError):
        name = None
    return name or link_upkeep.decider()


def _write(store_dir: str, decisions: list[tuple[str, str, str | None]], done: str) -> bool:
    """Record hand decisions on pairs and relink them, after reading the person's role again;
    then rerun the page with the store's new links, `done` ({name}: who) said by a toast.
    Return False (and say why) when nothing could be recorded."""
    try:
        store = store_for_writing(Action.EDIT, store_dir)
    except Refused as refusal:
        st.error(str(refusal))
        return False
    who = writer()
    try:
        if len(decisions) == 1:
            link_upkeep.decide(store, *decisions[0], by=who)
        else:
            decide_all(store, decisions, by=who)
    except (StoreError, ValueError) as error:
        st.error(_("The decision could not be recorded: {error}").format(error=error))
        return False
    dashboard_cache.clear()  # the links count in the store's version: the page reads them anew
    st.session_state[DONE_KEY] = done.format(name=who)
    st.session_state.pop(PICK_KEY, None)
    st.session_state.pop(TYPED_KEY, None)
    return True


def record_decision(store_dir: str, first: str, second: str, decision: str | None) -> None:
    """Record a decision on a pair ("confirmed", "rejected", None: undo) and relink it, after
    reading the person's role again; then rerun the page with the store's new links."""
    texts = {"confirmed": _("Recorded: {a} and {b} are one event (confirmed by {name})."),
             "rejected": _("Recorded: {a} and {b} are not the same event (by {name})."),
             None: _("Decision on {a} and {b} undone: their link is scored again.")}
    done = texts[decision].format(a=first, b=second, name="{name}")
    if _write(store_dir, [(first, second, decision)], done):
        st.session_state.pop(TAKEN_KEY, None)
        st.rerun()


def take_out_record(store_dir: str, opened: str, record: str) -> None:
    """Take `record` out of its event group: reject every link tying it to the group's other
    records, as the store holds them now (the dialog may be older); remember how to undo it."""
    try:
        store = open_store(store_dir)
        plan = take_out(store.load_links(), record)
        known = store.load_decisions()
    except StoreError as error:
        st.error(_("The decision could not be recorded: {error}").format(error=error))
        return
    if plan is None or not plan.pairs:
        st.info(_("{id} is in no event with other records any more. Nothing was recorded.")
                .format(id=plain(record)))
        return
    before = {(str(a), str(b)): str(d) for a, b, d in zip(
        known["event_id_a"], known["event_id_b"], known["decision"], strict=True)}
    done = ngettext("Recorded: {record} is not this event ({count} link rejected, by {name}).",
                    "Recorded: {record} is not this event ({count} links rejected, by {name}).",
                    len(plan.pairs)).format(record=record, count=format_number(len(plan.pairs)),
                                            name="{name}")
    if _write(store_dir, [(a, b, "rejected") for a, b in plan.pairs], done):
        st.session_state[TAKEN_KEY] = {
            "opened": opened, "record": record,
            "undo": [[a, b, before.get(pair_key(a, b))] for a, b in plan.pairs]}
        st.rerun()


def put_back(store_dir: str) -> None:
    """Undo the last "Not this event" of this session: each pair's decision as it was before."""
    taken = st.session_state.get(TAKEN_KEY)
    if not isinstance(taken, dict):
        return
    undo = [(str(a), str(b), None if d is None else str(d)) for a, b, d in taken["undo"]]
    done = ngettext("{record} put back: {count} decision undone.",
                    "{record} put back: {count} decisions undone.", len(undo)).format(
        record=taken["record"], count=format_number(len(undo)))
    if _write(store_dir, undo, done):
        st.session_state.pop(TAKEN_KEY, None)
        st.rerun()


def take_out_text(plan: TakeOut) -> str:
    """Return what "Not this event" will do, said before it is done (Markdown)."""
    others = ", ".join(plain(o) for _, o in plan.pairs)
    said = [ngettext("“Not this event” takes it out of the event: it rejects {count} link, "
                     "with {ids}.",
                     "“Not this event” takes it out of the event: it rejects {count} links, "
                     "with {ids}.", len(plan.pairs)).format(
        count=format_number(len(plan.pairs)), ids=others)]
    if plan.splits:
        parts = "; ".join(" + ".join(plain(r) for r in part) for part in plan.others)
        said.append(_(
            "It is what ties the others together: they would no longer be one event but "
            "{count}: {parts}.").format(
            count=format_number(len(plan.others)), parts=parts))
    if plan.joined:
        said.append(_("It would then be one event with {ids} (a link its event outscored).")
                    .format(ids=", ".join(plain(r) for r in plan.joined)))
    return " ".join(said)


def _take_out_offer(store_dir: str, opened: str, plan: TakeOut | None) -> None:
    """Say what taking a record out of its event does, with the button that does it."""
    if plan is None or not plan.pairs:
        return
    st.caption(take_out_text(plan))
    if st.button(_("Not this event"), key=f"takeout:{plan.record}"):
        take_out_record(store_dir, opened, plan.record)


def _taken_notice(store_dir: str, event_id: str) -> None:
    """Offer to undo this session's last "Not this event" made from this dialog."""
    taken = st.session_state.get(TAKEN_KEY)
    if not isinstance(taken, dict) or taken.get("opened") != event_id:
        return
    count = len(taken["undo"])
    with st.container(border=True):
        st.markdown(ngettext(
            "**{record}** was taken out of the event: {count} link rejected.",
            "**{record}** was taken out of the event: {count} links rejected.", count).format(
            record=plain(taken["record"]), count=format_number(count)))
        if st.button(_("Undo: put it back"), key="takeout_undo",
                     help=_("Each of these links gets back the decision it had before: none "
                            "(scored again) or confirmed by hand.")):
            put_back(store_dir)


def refusal_text(code: str, first: str, second: str, dataset: str) -> str:
    """Return why a link by hand was not recorded, in one sentence."""
    if code == SAME_RECORD:
        return _("{id} is this record: a link joins two different records. Nothing was "
                 "recorded.").format(id=second)
    if code == UNKNOWN_RECORD:
        return _("No record on hand has the event id {id}. Nothing was recorded.").format(
            id=second)
    return _("{a} and {b} are both records of the dataset “{dataset}”: records of one dataset "
             "are never linked (a dataset already tells its own events apart). Nothing was "
             "recorded.").format(a=first, b=second, dataset=dataset)


def _pair_buttons(store_dir: str, event_id: str, other: str, decided: dict[str, str] | None,
                  direct: bool) -> None:
    """Draw a pair's buttons: Confirm, Not the same event, Undo (what applies)."""
    decision = decided["decision"] if decided else None
    buttons = st.container(horizontal=True)
    if decision != "confirmed" and buttons.button(_("Confirm"), key=f"confirm:{other}"):
        record_decision(store_dir, event_id, other, "confirmed")
    if decision != "rejected" and (direct or decision == "confirmed") and buttons.button(
            _("Not the same event"), key=f"reject:{other}"):
        record_decision(store_dir, event_id, other, "rejected")
    if decided:
        mine = decided["decided_by"] == writer()
        label = _("Undo my decision") if mine else _("Undo this decision")
        if buttons.button(label, key=f"undo:{other}"):
            record_decision(store_dir, event_id, other, None)


def _score_text(score: float, reasons: str) -> str:
    """Return a link's score and reasons as one escaped line in the page's language."""
    words = plain(reasons_html(reasons, plain=True))
    if pd.isna(score):
        return words or _("Linked by hand.")
    return _("Score {score}: {reasons}").format(score=format_number(round(float(score), 2)),
                                                reasons=words)


def draw_review(store_dir: str, event_id: str) -> None:
    """Draw the dialog's body: the record, its event now, its decisions, a link by hand."""
    incidents = dashboard_cache.incidents_frame(store_dir)
    version = dashboard_cache.held_version(store_dir)
    positions = _positions(store_dir, version)

    def row_of(other: str) -> pd.Series | None:
        found = positions.get(other)
        return None if found is None else incidents.iloc[found]

    record = row_of(event_id)
    if record is None:
        st.info(_("No record with the event id {id} is on hand any more.").format(
            id=plain(event_id)))
        return
    _taken_notice(store_dir, event_id)
    st.markdown(_("**This record:** {record}").format(record=describe_record(record)))
    linked = dashboard_cache.linked(store_dir)
    decisions = _decisions(store_dir, event_id)
    groups = linked.groups
    mine = groups.loc[groups["event_id"].astype("str") == event_id, "event_group"]
    members: list[str] = []
    if len(mine):
        in_group = groups["event_group"].astype("str") == str(mine.iloc[0])
        members = [m for m in groups.loc[in_group, "event_id"].astype("str") if m != event_id]
    # Three records or more: any of them can be taken out (of two, rejecting the pair does it).
    plans: dict[str, TakeOut | None] = {}
    if len(members) >= 2:
        stored = _stored_links(store_dir, version)
        plans = {m: take_out(stored, m) for m in (event_id, *members)}
        _take_out_offer(store_dir, event_id, plans[event_id])
    links = linked.links
    touching = links.loc[(links["event_id_a"].astype("str") == event_id)
                         | (links["event_id_b"].astype("str") == event_id)]
    direct: dict[str, str] = {}
    for (a, b), text, score in zip(zip(touching["event_id_a"].astype("str"),
                                       touching["event_id_b"].astype("str"), strict=True),
                                   reasons_json(touching), touching["score"], strict=True):
        direct[b if a == event_id else a] = _score_text(score, str(text))

    if members:
        st.subheader(ngettext("Its event now: {count} other source",
                              "Its event now: {count} other sources", len(members)).format(
            count=format_number(len(members))))
        for other in members:
            with st.container(border=True):
                found = row_of(other)
                st.markdown(describe_record(found) if found is not None else plain(other))
                st.caption(direct.get(other) or _(
                    "Linked through another source of the event: decide on that link, "
                    "confirm this one, or take it out of the event."))
                if other in decisions:
                    st.caption(decided_text(decisions[other]))
                _pair_buttons(store_dir, event_id, other, decisions.get(other),
                              direct=other in direct)
                _take_out_offer(store_dir, event_id, plans.get(other))
    else:
        st.caption(_("It is linked to no other record: it counts as an event of its own."))

    candidates = _candidates(store_dir, version, event_id)
    scored = {other: _score_text(score, str(reasons)) for other, score, reasons in zip(
        candidates["event_id"], candidates["score"], candidates["reasons"], strict=True)}
    apart = [other for other in decisions if other not in members]
    if apart:
        st.subheader(_("Decided by hand, not in its event"))
        for other in apart:
            with st.container(border=True):
                found = row_of(other)
                st.markdown(describe_record(found) if found is not None else plain(other))
                if other in scored:
                    st.caption(scored[other])
                st.caption(decided_text(decisions[other]))
                _pair_buttons(store_dir, event_id, other, decisions[other], direct=False)

    st.subheader(_("Link to another record"))
    offered = candidates.loc[~candidates["event_id"].isin([*members, *apart])]
    labels: dict[str, str] = {}
    for other, score in zip(offered["event_id"], offered["score"], strict=True):
        found = row_of(other)
        labels[other] = " · ".join(part for part in (
            _("score {score}").format(score=format_number(round(float(score), 2))),
            _plain_record(found) if found is not None else other) if part)
    left, right = st.columns([3, 2])
    picked = left.selectbox(
        _("A nearby record, best first"), list(labels), index=None, key=PICK_KEY,
        format_func=lambda o: labels.get(o, o), placeholder=_("Pick one (type to search)"),
        help=_("The records close enough in time and place to be the same event, best score "
               "first. Linked by hand, two records count as one event whatever their score."))
    typed = right.text_input(_("…or its event id"), key=TYPED_KEY,
                             help=_("Any record on hand, however far: its event id as the "
                                    "table or the popup shows it."))
    chosen = typed.strip() or (picked or "")
    if not typed.strip() and picked in labels:
        st.caption(scored[picked])
    # Never disabled: a click right after typing an id must not land on a button still off.
    if st.button(_("Link them"), key="link_review_go"):
        if not chosen:
            st.warning(_("Pick a nearby record or type an event id first."))
            return
        code = decision_refusal(incidents, event_id, chosen)
        if code is not None:
            dataset = (dataset_keys(record.to_frame().T).iloc[0] if code == SAME_DATASET
                       else "")
            st.error(refusal_text(code, plain(event_id), plain(chosen), plain(dataset)))
            return
        record_decision(store_dir, event_id, chosen, "confirmed")


def _plain_record(row: pd.Series) -> str:
    """Return a record as one plain line (a box's option): dataset, id, date, place, groups."""
    day = format_date(row["event_date"], DAY) if pd.notna(row["event_date"]) else ""
    groups = " – ".join(str(row[c]) for c in ("group1", "group2")
                        if pd.notna(row[c]) and str(row[c]))
    dataset = row["dataset_name"] if pd.notna(row["dataset_name"]) and row["dataset_name"] else (
        row["dataset"])
    return " · ".join(str(p) for p in (dataset, row["event_id"], day, row["location"], groups)
                      if pd.notna(p) and str(p))
