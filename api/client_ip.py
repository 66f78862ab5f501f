"""The client's address for rate limits: X-Forwarded-For is believed only from a proxy in TRUSTED_PROXIES.

Anyone can send an X-Forwarded-For header; only the hops appended by our own proxies are true. So the
header is read right to left, skipping trusted proxies, and the first address no proxy of ours vouches
for is the client. From an untrusted peer the header is ignored: the peer's own address is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from starlette.requests import HTTPConnection

from api.deps import runtime_of

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(t, strict=False) for t in trusted)


def _address(text: str) -> Address | None:
    """An XFF hop as an address: '203.0.113.7', '203.0.113.7:5100', '[2001:db8::1]:443'; None if it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the same client.
    return address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address


def resolve(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[str]) -> str:
    """The client address, from the direct peer and the X-Forwarded-For header values (in order)."""
    networks = _networks(tuple(trusted))
    peer_address = _address(peer) if peer else None
    if peer_address is None:
        return peer or "unknown"
    client = peer_address
    if not any(client in n for n in networks):
        return str(client)
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a trusted proxy wrote something that is no address: keep the last hop we could believe
        client = address
        if not any(client in n for n in networks):
            break
    return str(client)


def client_ip(conn: HTTPConnection, trusted: Sequence[str] | None = None) -> str:
    """The client address of a request or WebSocket; `trusted` defaults to the app's TRUSTED_PROXIES."""
    if trusted is None:
        trusted = runtime_of(conn).settings.trusted_proxies
    forwarded = conn.headers.getlist("x-forwarded-for")
    return resolve(conn.client.host if conn.client else None, forwarded, trusted)
