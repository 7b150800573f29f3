"""Re-create data/incidents/*.parquet from the read-only material in ../shared (see data/README.md).

    python scripts/build_shipped_incidents.py [--shared ../shared]

Writes three canonical GeoParquet files:
- ucdp_ged_sample.parquet: the 100 real UCDP GED 25.1 events (CC BY 4.0, Sundberg & Melander 2013);
- seed_rfi_2023-11-24.parquet: the seed report's two incidents, coded by hand below;
- reports_dev.parquet: the hand-coded incidents of the 15 dev reports, as facts only (date,
  place, actors, type, claims quoted in at most ten words, source URL), never the report text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sahel import PROJECT_ROOT, actors, places  # noqa: E402
from sahel.incidents import SHIPPED_DIR  # noqa: E402
from sahel.schema import Claim, claims_to_json, conform  # noqa: E402
from sahel.sources import read_incidents  # noqa: E402
from sahel.sources.canonical import write_geoparquet  # noqa: E402

MAX_QUOTED_WORDS = 10
# The seed incidents are the dev report 001 (same RFI piece): shipped once, as the seed.
SEED_ARTICLE = "001"

# Who made a claim in the gold file → the claim role of the schema.
CLAIM_ROLES: dict[str, str] = {
    "JNIM": "armed_group", "CSP-PSD": "armed_group",
    "armée malienne": "army", "Malian army": "army", "responsable militaire malien": "army",
    "source militaire (AFP)": "army", "army spokesman": "army", "defence ministry": "government",
    "army spokesman Colonel Boubacar Hassan": "army",
    "responsable au ministère de la Sécurité": "government", "autorités": "government",
    "ministre de l’Intérieur": "government",
    "responsable sécuritaire (anonyme)": "other", "bilan provisoire / source sécuritaire": "other",
    "two security sources": "other", "five security sources": "other",
    "security and humanitarian sources (Le Monde)": "other",
    "différents bilans qui circulent": "other",
    "sources locales": "local_sources", "health worker": "local_sources",
    "Ahmadou Ghana (villager)": "local_sources",
    "Human Rights Watch": "ngo",
    "article": "outlet", "article (BBC/AFP)": "outlet",
}
# Best fatality estimate per gold incident, ACLED's most conservative convention ("dozens" =
# 12; a total over several places split evenly; both sides' figures added), coded by hand.
FATALITIES: dict[str, int] = {
    "002-1": 4, "004-1": 22, "004-2": 0, "007-1": 12, "008-1": 4, "008-2": 4, "008-3": 4,
    "010-1": 58, "012-1": 4, "012-2": 10, "014-1": 20, "020-1": 71, "021-1": 100, "023-1": 8,
    "026-1": 20, "028-1": 0, "032-1": 36, "032-2": 0, "032-3": 0, "032-4": 0, "036-1": 0,
}
# Gold actor labels the alias table does not know, as a name it does.
GOLD_LABELS: dict[str, str] = {"Burkina army": "Forces armées burkinabè",
                               "unknown": "Unidentified Armed Group"}


def quote(text: str) -> str:
    """Return at most MAX_QUOTED_WORDS words of a claim's wording (with … when cut)."""
    words = text.split()
    return " ".join(words[:MAX_QUOTED_WORDS]) + (" …" if len(words) > MAX_QUOTED_WORDS else "")


def group_name(label: str) -> str:
    """Return the canonical group for a gold actor label (the label itself when unknown)."""
    return actors.canonical_group(GOLD_LABELS.get(label, label)) or label


def seed_incidents() -> pd.DataFrame:
    """Return the seed report's two incidents (RFI, 25 Nov 2023), coded per DOMAIN.md."""
    niafunke_claims = [
        Claim("JNIM", "armed_group", "killed", "plusieurs dizaines de soldats maliens tués", 12,
              None),
        Claim("JNIM", "armed_group", "prisoners", "deux faits prisonniers", 2, 2),
        Claim("JNIM", "armed_group", "looting",
              "cinq voitures, des armes lourdes et des équipements militaires", None, None),
        Claim("sources locales", "local_sources", "killed",
              "une cinquantaine de soldats maliens tués à Niafunké", 50, 50),
        Claim("armée malienne", "army", "killed",
              "n'a pas souhaité apporter de précisions ni de bilan", None, None),
    ]
    goundam_claims = [
        Claim("JNIM", "armed_group", "other", "tiré des obus de mortier 120 mm", None, None),
        Claim("RFI", "outlet", "killed", "aucune information sur les conséquences des tirs",
              None, None),
    ]
    common: dict[str, Any] = {
        "event_date": "2023-11-24", "time_precision": 1, "actor1": "Jnim",
        "actor2": "Forces armées maliennes (Fama)", "country": "Mali", "iso3": "MLI",
        "admin1_source": "Tombouctou", "geo_precision": 1, "source": "RFI", "source_url": "",
        "dataset": "seed"}
    rows = [
        {**common, "event_id": "SEED-RFI-20231124-1", "event_type": "Battles",
         "sub_event_type": "Armed clash", "admin2": "Niafunké", "location": "Niafunké",
         "latitude": 15.9322, "longitude": -3.9906, "fatalities": 12, "fatalities_low": 12,
         "fatalities_high": 50, "claims": claims_to_json(niafunke_claims),
         "notes": "JNIM attack on the army camp: a suicide vehicle, then an assault. JNIM says "
                  "it took the camp; the army says the attackers were repelled."},
        {**common, "event_id": "SEED-RFI-20231124-2", "event_type": "Explosions/Remote violence",
         "sub_event_type": "Shelling/artillery/missile attack", "admin2": "Goundam",
         "location": "Goundam", "latitude": 16.41453, "longitude": -3.67075, "fatalities": 0,
         "claims": claims_to_json(goundam_claims),
         "notes": "JNIM mortar fire (120 mm) on the army camp, the same day as Niafunké; "
                  "no toll given."},
    ]
    return pd.DataFrame(rows)


def gold_claims(entry: dict[str, Any]) -> list[Claim]:
    """Return one Claim per figure in a gold incident (wounded counts become their own claim)."""
    claims = []
    for item in entry.get("fatalities", []):
        by = item["by"]
        role = CLAIM_ROLES.get(by, "other")
        who = str(item.get("who", ""))
        kind = "missing" if "missing" in who else "other" if "hostage" in who else "killed"
        claims.append(Claim(by, role, kind, quote(item["text"]), item.get("low"),
                            item.get("high")))
        if item.get("wounded"):
            claims.append(Claim(by, role, "wounded", quote(item["text"]), item["wounded"],
                                item["wounded"]))
    return claims


def report_incidents(shared: Path) -> tuple[pd.DataFrame, list[str]]:
    """Return the dev reports' gold incidents as canonical rows, and what was left out and why."""
    dev = shared / "eval" / "dev"
    articles = {a["article"]: a for a in map(json.loads, _lines(dev / "gold_articles.jsonl"))}
    rows, skipped = [], []
    for entry in map(json.loads, _lines(dev / "gold.jsonl")):
        if entry["article"] == SEED_ARTICLE:
            skipped.append(f"{entry['event_id']}: the seed incident (shipped as SEED-RFI-*)")
            continue
        if entry.get("optional"):
            skipped.append(f"{entry['event_id']}: optional in the gold (may be coded either way)")
            continue
        article = articles[entry["article"]]
        iso3 = entry["country"]
        admin1 = places.canonical_region(entry["admin1"], iso3) or entry["admin1"]
        date, time_precision = entry["event_date"], 1
        if entry.get("event_date_end") and entry["event_date_end"] != date:
            time_precision = 2
        if date is None:
            # Undatable from the text: the publication month, mid-month (ACLED's convention).
            date, time_precision = article["published"][:7] + "-15", 3
        lat, lon, geo_precision = entry["gold_lat"], entry["gold_lon"], entry["geo_precision"]
        if lat is None:
            # No gazetteer point: the region's representative point, precision "region only".
            lat, lon = places.region_centroid(admin1, iso3)
            geo_precision = 3
        claims = gold_claims(entry)
        best = FATALITIES[entry["event_id"]]
        killed = [c for c in claims if c.kind == "killed" and c.low is not None]
        open_ended = any(c.high is None for c in killed)
        highs = [c.high for c in killed if c.high is not None]
        rows.append({
            "event_id": f"SEED-DEV-{entry['event_id']}", "event_date": date,
            "time_precision": time_precision, "event_type": entry["event_type"],
            "sub_event_type": entry["sub_event_type"],
            "actor1": _actor_text(entry["actor1"]), "actor2": _actor_text(entry["actor2"]),
            "group1": _group(entry["actor1"]), "group2": _group(entry["actor2"]),
            "country": places.country_name(iso3) if hasattr(places, "country_name") else iso3,
            "iso3": iso3, "admin1_source": entry["admin1"], "admin1": admin1,
            "admin2": entry.get("admin2"), "location": entry["location"], "latitude": lat,
            "longitude": lon, "geo_precision": geo_precision, "fatalities": best,
            "fatalities_low": best if killed else None,
            "fatalities_high": None if open_ended or not killed else max([best, *highs]),
            "claims": claims_to_json(claims), "source": article["source"],
            "source_url": article["url"], "dataset": "seed",
            "notes": f"Hand-coded from the report “{article['title']}”.",
        })
    return pd.DataFrame(rows), skipped


def _actor_text(actor: dict[str, Any] | None) -> str:
    if not actor:
        return ""
    return " / ".join(group_name(label) for label in actor.get("canonical", []))


def _group(actor: dict[str, Any] | None) -> str:
    labels = (actor or {}).get("canonical") or []
    return group_name(labels[0]) if labels else ""


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build(shared: Path, target: Path) -> dict[str, int]:
    """Write the three shipped files into `target`; return rows written per file."""
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    ucdp = read_incidents(shared / "data" / "ucdp" / "ucdp_ged_stratified_sample_sahel5.csv")
    if len(ucdp.rejected):
        print(ucdp.rejected[["row", "reason"]].to_string(), file=sys.stderr)
    reports, skipped = report_incidents(shared)
    for name, frame in (("ucdp_ged_sample", ucdp.incidents),
                        ("seed_rfi_2023-11-24", _checked(seed_incidents())),
                        ("reports_dev", _checked(reports))):
        write_geoparquet(frame, target / f"{name}.parquet")
        counts[name] = len(frame)
    for line in skipped:
        print(f"left out {line}")
    return counts


def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    # Through the same reader as any import, so hand-coded rows meet the same checks.
    import io

    from sahel.sources.canonical import to_geojson_bytes
    result = read_incidents(io.BytesIO(to_geojson_bytes(conform(frame))), name="shipped.geojson")
    if len(result.rejected):
        raise SystemExit(f"hand-coded rows rejected:\n{result.rejected.to_string()}")
    return result.incidents


def main() -> None:
    """Parse arguments and build the shipped incident files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    args = parser.parse_args()
    for name, count in build(args.shared, args.out).items():
        print(f"{name}: {count} incidents")


if __name__ == "__main__":
    main()
