"""A view of the page ↔ the query string of its link (docs/links.md lists the parameters).

`to_params` writes the query, the region shading, the map's layers and the language as short,
readable parameters (`group=JNIM&region=Tombouctou&from=2023-01-01&min_fat=5&lang=fr`), leaving
out what equals the defaults so that a first visit has a clean URL; `from_params` reads them back
against the choices on hand. A name in a link is read by any spelling the alias tables know
(`region=Timbuktu` opens Tombouctou, see `option_search`); what cannot be read (a group the data
does not have, a bad date or number, an unknown parameter) is left out and listed, never an
error. Pure: the page only reads and writes `st.query_params`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple, TypeVar

from sahel.datasets import is_demo
from sahel.i18n import N_, _
from sahel.option_search import Kind, Match, resolve, said
from sahel.overview import FilterChoices
from sahel.query import PRECISION_LABELS, IncidentQuery
from sahel.schema import MAX_CLAIM_FIGURE

LANGUAGES = ("en", "fr")
REGION_METRICS = ("incidents", "fatalities")
# A value longer than this is not a name nor a date: it is left out unread.
MAX_VALUE_CHARS = 200
MAX_TEXT_CHARS = 500
MAX_LAYERS = 30
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

# Each parameter in the order a link lists them, with what it is called in a note (translated
# where shown).
PARAMS: dict[str, str] = {
    "group": N_("armed group"), "components": N_("coalition components"),
    "associated": N_("associated actors"), "uncertain": N_("uncertain attributions"),
    "demo": N_("demonstration data"), "dataset": N_("dataset"), "country": N_("country"),
    "region": N_("region"), "from": N_("start date"), "to": N_("end date"),
    "type": N_("event type"), "min_fat": N_("minimum fatalities"),
    "precision": N_("location precision"), "q": N_("search"), "shade": N_("region shading"),
    "layers": N_("map layers"), "once": N_("count each event once"), "lang": N_("language")}
UNKNOWN_PARAM = N_("setting")
T = TypeVar("T")
U = TypeVar("U")
DEFAULT_QUERY = IncidentQuery()


@dataclass(frozen=True)
class ViewExtras:
    """What a view holds besides the query: the region shading, the map's visible layers (None:
    the map's own choice) and the page's language."""

    region_metric: str = "incidents"
    layers: tuple[str, ...] | None = None
    lang: str = "en"


@dataclass(frozen=True)
class Dropped:
    """A parameter value of a link that was left out: unknown here, or not readable."""

    param: str
    value: str


DEFAULT_EXTRAS = ViewExtras()


class LinkedView(NamedTuple):
    """A link read back: the view, what was left out, and what was read as another name."""

    query: IncidentQuery
    extras: ViewExtras
    dropped: tuple[Dropped, ...]
    read_as: tuple[Match, ...]


def _names(values: Collection[str]) -> list[str]:
    return sorted(values, key=lambda v: (v.casefold(), v))


def _flag(value: bool) -> str:
    return "1" if value else "0"


def to_params(query: IncidentQuery, extras: ViewExtras,
              default: IncidentQuery = DEFAULT_QUERY,
              default_extras: ViewExtras = DEFAULT_EXTRAS) -> dict[str, str | list[str]]:
    """Return the query string parameters of a view (a list for a repeated parameter), in the
    order of PARAMS, without those equal to `default` and `default_extras`."""
    params: dict[str, str | list[str]] = {}
    multi = {"group": query.groups, "dataset": query.datasets, "country": query.countries,
             "region": query.regions, "type": query.event_types}
    flags = {"components": (query.include_components, default.include_components),
             "associated": (query.include_associated, default.include_associated),
             "uncertain": (query.include_uncertain, default.include_uncertain),
             "demo": (query.include_demo, default.include_demo),
             "once": (query.once, default.once)}
    for name in PARAMS:
        if name in multi and multi[name]:
            params[name] = _names(multi[name])
        elif name in flags and flags[name][0] != flags[name][1]:
            params[name] = _flag(flags[name][0])
    if query.start is not None:
        params["from"] = query.start.isoformat()
    if query.end is not None:
        params["to"] = query.end.isoformat()
    if query.min_fatalities != default.min_fatalities:
        params["min_fat"] = str(query.min_fatalities)
    if query.precisions:
        params["precision"] = [str(p) for p in sorted(query.precisions)]
    if query.text:
        params["q"] = query.text
    if extras.region_metric != default_extras.region_metric:
        params["shade"] = extras.region_metric
    if extras.layers is not None and extras.layers != default_extras.layers:
        # An empty value keeps "every layer off" apart from "the map's own choice".
        params["layers"] = list(extras.layers) or [""]
    if extras.lang != default_extras.lang:
        params["lang"] = extras.lang
    return {name: params[name] for name in PARAMS if name in params}


def normalised(params: Mapping[str, str | Sequence[str]]) -> dict[str, list[str]]:
    """Return parameters with every value as a list, to compare a URL's with a view's."""
    return {name: [value] if isinstance(value, str) else list(value)
            for name, value in params.items()}


def from_params(params: Mapping[str, str | Sequence[str]], choices: FilterChoices,
                default: IncidentQuery = DEFAULT_QUERY,
                default_extras: ViewExtras = DEFAULT_EXTRAS,
                layer_names: Sequence[str] | None = None) -> LinkedView:
    """Return the view a link's parameters describe, read against the choices on hand (absent
    parameters: the defaults), with the values left out and the names read by another spelling.

    Of a repeated single-valued parameter the last value counts, as in `st.query_params`. With
    `layer_names` (the map's), the layers are read in that order and others are left out.
    """
    reader = _Reader(normalised(params), choices)
    components = reader.single("components", _bool, default.include_components)
    associated = reader.single("associated", _bool, default.include_associated)
    uncertain = reader.single("uncertain", _bool, default.include_uncertain)
    include_demo = reader.single("demo", _bool, default.include_demo)
    once = reader.single("once", _bool, default.once)
    countries = reader.names("country", "country", list(choices.countries))
    start, end = reader.dates()
    query = replace(
        default, groups=frozenset(reader.names("group", "group", choices.groups)),
        datasets=frozenset(reader.names("dataset", "dataset", [
            d for d in choices.datasets if include_demo or not is_demo(d)])),
        countries=frozenset(countries),
        regions=frozenset(reader.names("region", "region", choices.regions_in(tuple(countries)),
                                       countries)),
        start=start, end=end,
        event_types=frozenset(reader.names("type", "event_type", choices.event_types)),
        min_fatalities=reader.single("min_fat", _fatalities, default.min_fatalities),
        precisions=frozenset(reader.many("precision", _precision)),
        text=reader.single("q", _text, default.text), include_components=components,
        include_associated=associated, include_uncertain=uncertain, include_demo=include_demo,
        once=once)
    linked = reader.params.get("layers")
    layers = reader.many("layers", _layer(layer_names)) if linked is not None else None
    if not layers and linked and any(linked):  # only unknown names: the map's own choice
        layers = None
    if layers is not None and layer_names is not None:
        layers = [name for name in layer_names if name in layers]
    extras = ViewExtras(
        region_metric=reader.single("shade", _one_of(REGION_METRICS),
                                    default_extras.region_metric),
        layers=default_extras.layers if layers is None else tuple(
            name for name in layers[:MAX_LAYERS] if name),
        lang=reader.single("lang", _one_of(LANGUAGES), default_extras.lang))
    for name in reader.params:  # what no reader took: unknown parameters
        reader.dropped.extend(Dropped(name, value) for value in reader.params[name])
    order = list(PARAMS)
    dropped = sorted(reader.dropped, key=lambda d: order.index(d.param) if d.param in PARAMS
                     else len(order))
    return LinkedView(query, extras, tuple(dropped), tuple(reader.read_as))


@dataclass
class _Reader:
    """Takes a link's parameters one by one, noting what it leaves out or reads as another name."""

    params: dict[str, list[str]]
    choices: FilterChoices
    dropped: list[Dropped] = field(default_factory=list)
    read_as: list[Match] = field(default_factory=list)

    def take(self, name: str) -> list[str]:
        return self.params.pop(name, [])

    def many(self, name: str, parse: Callable[[str], T | None]) -> list[T]:
        found: list[T] = []
        for value in self.take(name):
            parsed = parse(value) if len(value) <= MAX_VALUE_CHARS else None
            if parsed is None:
                self.dropped.append(Dropped(name, value))
            elif parsed not in found:
                found.append(parsed)
        return found

    def single(self, name: str, parse: Callable[[str], T | None], fallback: U) -> T | U:
        values = self.take(name)
        if not values:
            return fallback
        self.dropped.extend(Dropped(name, v) for v in values[:-1] if parse(v) is None)
        parsed = parse(values[-1])
        if parsed is None:
            self.dropped.append(Dropped(name, values[-1]))
            return fallback
        return parsed

    def names(self, name: str, kind: Kind, options: Collection[str],
              countries: Sequence[str] = ()) -> list[str]:
        def parse(value: str) -> str | None:
            match = resolve(kind, value, options, countries)
            if match is None:
                return None
            note = said(kind, match)
            if note is not None:
                self.read_as.append(note)
            return match.option
        return self.many(name, parse)

    def dates(self) -> tuple[date | None, date | None]:
        first, last = self.choices.first_date, self.choices.last_date
        start = self.single("from", _date, None)
        end = self.single("to", _date, None)
        if first is None or last is None:  # no dated incident: no date filter to set
            self.dropped.extend(Dropped(n, d.isoformat()) for n, d in (("from", start),
                                                                        ("to", end)) if d)
            return None, None
        if start is not None and end is not None and start > end:
            self.dropped.extend([Dropped("from", start.isoformat()),
                                 Dropped("to", end.isoformat())])
            return None, None
        if start is not None and start > last:
            self.dropped.append(Dropped("from", start.isoformat()))
            start = None
        if end is not None and end < first:
            self.dropped.append(Dropped("to", end.isoformat()))
            end = None
        # The page's date box spans the data: a bound at or beyond it is no filter.
        return (None if start is None or start <= first else start,
                None if end is None or end >= last else end)


def _bool(value: str) -> bool | None:
    word = value.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _fatalities(value: str) -> int | None:
    text = value.strip()
    if not text.isdecimal() or len(text) > 6:
        return None
    number = int(text)
    return number if number <= MAX_CLAIM_FIGURE else None


def _precision(value: str) -> int | None:
    text = value.strip()
    if text.isdecimal() and int(text) in PRECISION_LABELS:
        return int(text)
    return next((p for p, label in PRECISION_LABELS.items() if label == text.lower()), None)


def _text(value: str) -> str | None:
    return value.strip() if len(value) <= MAX_TEXT_CHARS else None


def _layer(known: Sequence[str] | None) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        # An empty value stands for "every layer off" (it is then no name).
        return value if not value or known is None or value in known else None
    return parse


def _one_of(allowed: Sequence[str]) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        word = value.strip().lower()
        return word if word in allowed else None
    return parse


def describe_dropped(dropped: Sequence[Dropped]) -> str:
    """Return one sentence (Markdown) listing what a link held that this page left out."""
    items = _listed([f'{_(PARAMS.get(d.param, UNKNOWN_PARAM))} "{shown(d.value or d.param)}"'
                     if d.param in PARAMS else f'{_(UNKNOWN_PARAM)} "{shown(d.param)}"'
                     for d in dropped])
    return _("Left out of this link, as this page has no such value or cannot read it: "
             "{items}.").format(items=items)


def describe_read_as(read_as: Sequence[Match]) -> str:
    """Return one sentence (Markdown) saying which names of a link were read as which option."""
    items = _listed([f"{shown(m.given)} → {shown(m.option)}" for m in read_as])
    return _("Read as: {items}.").format(items=items)


# A link's values are anyone's text, shown in the page's Markdown: cut, with what is not printable
# (control, bidi, zero-width characters) written out and the marks that make links, images,
# formatting and autolinks escaped, so that no value becomes one ("[Sign in](https://elsewhere)").
SHOWN_CHARS = 60
SHOWN_ITEMS = 10
_MARKDOWN = re.compile(r"([\\`*_\[\]()<>!#|~$:.@])")


def shown(value: str) -> str:
    """Return a link's value as a note shows it: short, printable, inert in Markdown."""
    text = value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
    return _MARKDOWN.sub(r"\\\1", text)


def _listed(items: list[str]) -> str:
    if len(items) <= SHOWN_ITEMS:
        return ", ".join(items)
    return ", ".join(items[:SHOWN_ITEMS]) + f", … (+{len(items) - SHOWN_ITEMS})"
