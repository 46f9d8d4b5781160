"""What the benchmarks share: their own database, a percentile, a subdistrict to fill.

Imported as `_common` (the scripts run as `python bench/<name>.py`, so this
folder is first on sys.path). Django is imported inside the functions that
need it, after each script has pointed DATABASE_URL at its own database.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database `url` names, if missing (through the server's `postgres` database)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def percentile(values: list[float], p: float) -> float:
    """The p-th quantile (0 ≤ p ≤ 1), linearly interpolated between the nearest values."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def subdistrict_neighborhoods(code: str, communities: int, per_community: int) -> list[Any]:
    """上海市 → 浦东新区 → a subdistrict `code` with `communities` × `per_community`
    neighborhoods, created through actions.create_area where missing; returns the neighborhoods."""
    from linli.core import actions
    from linli.core.models import Area

    def area(area_code: str, name: str, level: str, parent: Area | None) -> Area:
        found = Area.objects.filter(code=area_code).first()
        return found or actions.create_area(actor=None, code=area_code, name=name, level=level, parent=parent)

    L = Area.Level
    city = area("310000", "上海市", L.CITY, None)
    district = area("310115", "浦东新区", L.DISTRICT, city)
    subdistrict = area(code, "花木街道", L.SUBDISTRICT, district)
    neighborhoods = []
    for c in range(1, communities + 1):
        community = area(f"{code}{c}00", f"基准社区{c}", L.COMMUNITY, subdistrict)
        for n in range(1, per_community + 1):
            neighborhoods.append(area(f"{code}{c}{n:02d}", f"基准{c}-{n}居民区", L.NEIGHBORHOOD, community))
    return neighborhoods
