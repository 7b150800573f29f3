"""Where an incident happened: point, precision, country and region of its place mention."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sahel import places
from sahel.extract import geocode
from sahel.extract.split import Draft, SentenceInfo

# Regions that exist since 2016 but have no polygon in the shipped boundaries.
POLYGONLESS_REGIONS = ("Ménaka", "Taoudénit")


def country_point(iso3: str) -> tuple[float, float] | None:
    """Return a point inside a country (precision 3 stand-in when only the country is known)."""
    countries = places.load_countries()
    match = countries[countries["iso3"] == iso3]
    if match.empty:
        return None
    point = match.geometry.iloc[0].representative_point()
    return round(point.y, 5), round(point.x, 5)


def locate_draft(draft: Draft, infos: Sequence[SentenceInfo], ctx: geocode.Context
              ) -> dict[str, Any]:
    """Return location, point, precision, iso3, country, admin1/2 and flags of an incident."""
    mention = draft.place
    flags: list[str] = []
    if mention.place is not None:
        p = mention.place
        lat, lon = p.latitude, p.longitude
        precision = 1 if mention.role == "event" and not draft.inferred_place else 2
        if str(getattr(p, "kind", "")).startswith("admin"):
            precision = 3
        if getattr(p, "score", 100) < 100:
            flags.append("fuzzy_place")  # a near spelling: the analyst should confirm it
            precision = max(precision, 2)
        location, iso3, admin2 = p.name, p.iso3, p.admin2
    elif mention.role == "country":
        lat, lon = country_point(mention.iso3 or "") or (None, None)
        iso3 = mention.iso3
        precision, location, admin2 = 3, places.country_name(iso3 or "") or iso3, None
        flags.append("country_only")
    elif mention.admin1 is not None:
        point = places.region_centroid(mention.admin1, mention.iso3)
        lat, lon = point if point else (None, None)
        precision, location, iso3, admin2 = 3, mention.admin1, mention.iso3, None
    else:
        lat = lon = None
        precision, location, iso3, admin2 = 3, mention.text, ctx.main_country(), None
        flags.append("unresolved_place")
        regions = [r for i in draft.sentences() for r in infos[i].regions()] or [
            r for info in infos for r in info.regions()]
        if regions:
            point = places.region_centroid(regions[0].admin1 or "", regions[0].iso3)
            if point:
                lat, lon = point
        elif iso3:
            point = country_point(iso3)
            if point:
                lat, lon = point
                flags.append("country_only")
    admin1 = None
    gazetteer_region = getattr(mention.place, "admin1", None)
    if mention.role == "country":
        pass  # a point inside the country says nothing about the region
    elif gazetteer_region:
        # The gazetteer's own region beats point-in-polygon on simplified borders (Tinzaouaten).
        admin1 = places.canonical_region(gazetteer_region, iso3) or gazetteer_region
    elif lat is not None and lon is not None:
        located_iso3, admin1 = geocode.admin_for(lat, lon)
        iso3 = located_iso3 or iso3
    # The capital of a region without a polygon (Ménaka, Taoudénit) belongs to that region.
    capital_of = places.canonical_region(location, iso3) if location and iso3 else None
    if capital_of and lat is not None and places.region_centroid(capital_of, iso3) and \
            capital_of in POLYGONLESS_REGIONS:
        admin1 = capital_of
    # A region the text names wins over the polygon when the polygon layer lacks it (Ménaka).
    named = [r.admin1 for i in draft.sentences() for r in infos[i].regions()]
    if named and named[0] and (admin1 is None or places.region_centroid(named[0]) is not None
                               and named[0] in POLYGONLESS_REGIONS):
        admin1 = named[0]
    return {"candidates": mention.candidates,
            "location": location, "latitude": lat, "longitude": lon, "geo_precision": precision,
            "iso3": iso3, "country": places.country_name(iso3) if iso3 else None,
            "admin1": admin1, "admin2": admin2, "flags": flags}
