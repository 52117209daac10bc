"""Which salespeople hear about a hot lead. First matching rule wins (like a firewall table, so the
order in the file is the priority); no match goes to the default owner."""
from __future__ import annotations

from central.settings import Route, Settings


def _interests(value: str | None) -> set[str]:
    return {x.strip().lower() for x in (value or "").split(",") if x.strip()}


def matches(route: Route, settings: Settings, *, country: str | None, product_interest: str | None,
            show_id: str | None) -> bool:
    if route.countries or route.territories:
        allowed = set(route.countries)
        for name in route.territories:
            allowed |= settings.territories.get(name, frozenset())
        if not country or country.strip().upper() not in allowed:
            return False
    if route.product_interest and not (_interests(product_interest) & route.product_interest):
        return False
    if route.shows and show_id not in route.shows:
        return False
    return True


def route_for(settings: Settings, *, country: str | None, product_interest: str | None,
              show_id: str | None) -> Route | None:
    for route in settings.rules:
        if matches(route, settings, country=country, product_interest=product_interest, show_id=show_id):
            return route
    return settings.default_route


def recipients(settings: Settings, *, country: str | None, product_interest: str | None,
               show_id: str | None) -> list[tuple[str, str]]:
    """``[(kind, recipient)]`` with kind ``email`` or ``chat``; empty when nothing is configured."""
    route = route_for(settings, country=country, product_interest=product_interest, show_id=show_id)
    if route is None:
        return []
    out = [("email", addr) for addr in route.email]
    out += [("chat", url) for url in route.chat]
    return out
