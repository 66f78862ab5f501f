"""Where a webhook may be delivered: http(s) URLs whose host resolves only to public addresses.

A webhook is a request the server makes on a tenant's behalf, so an unchecked URL would let a token aim
the server at its own loopback services (PostgreSQL, Redis), the cloud metadata address or the private
network. The target is checked when it is registered (a clear 422) and again before every delivery: the
host is resolved anew, every address must be public, and the POST goes to the checked address itself
(`pin`), so a DNS answer that changes after the check (rebinding) cannot redirect it.
`WEBHOOK_ALLOW_PRIVATE=true` (development, tests on loopback) skips only the address rule.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses it resolves to (a stand-in in tests; getaddrinfo otherwise)
Resolver = Callable[[str, int], Awaitable[list[str]]]
SCHEMES = ("http", "https")
RESOLVE_TIMEOUT = 5.0
# 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address that may itself be private.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeTarget(ValueError):
    """The URL may not be delivered to; the message says why, without echoing the URL."""


class Unresolvable(UnsafeTarget):
    """The host does not resolve (now): refused at registration, retried at delivery."""


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """A globally routable unicast address: not loopback, private, link-local, multicast, reserved,
    unspecified or shared (CGNAT), nor an IPv6 form (mapped, 6to4, Teredo, NAT64) of one."""
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_v4(ip)) is not None and not is_public(inner):
        return False
    return bool(
        ip.is_global
        and not (
            ip.is_multicast
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_private
            or ip.is_reserved
            or ip.is_unspecified
        )
    )


def parse(url: str) -> httpx.URL:
    """The URL if its form is deliverable (http or https, a host, a valid port); else UnsafeTarget."""
    try:
        parsed = httpx.URL(url.strip())
        port = parsed.port  # an out-of-range port raises here
    except (httpx.InvalidURL, ValueError, TypeError):
        raise UnsafeTarget("must be a valid http:// or https:// URL") from None
    if parsed.scheme not in SCHEMES:
        raise UnsafeTarget("must use http:// or https://")
    if not parsed.host:
        raise UnsafeTarget("must name a host")
    if port is not None and not 0 < port < 65536:
        raise UnsafeTarget("must use a port from 1 to 65535")
    return parsed


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for host (a literal address resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP), RESOLVE_TIMEOUT
    )
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A checked delivery: the URL to connect to (host replaced by the checked address) and the headers
    that keep the original name for the receiver (Host) and for TLS (SNI and certificate check)."""

    url: httpx.URL
    host_header: str
    sni_hostname: str | None


@dataclass(frozen=True)
class TargetGuard:
    """The address rule, shared by the registration route and the dispatcher (api/realtime.py)."""

    allow_private: bool = False
    resolve: Resolver = system_resolve

    async def check(self, url: str) -> Target:
        """Resolve the URL's host now; UnsafeTarget unless every address is allowed. Connect to the result."""
        parsed = parse(url)
        host = parsed.raw_host.decode("ascii").lower()  # IDNA-encoded: what DNS and TLS see
        if not self.allow_private and (host == "localhost" or host.endswith(".localhost")):
            raise UnsafeTarget("must not point at this server (localhost)")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            found = await self.resolve(host, port)
        except (OSError, TimeoutError, UnicodeError):
            raise Unresolvable("its host does not resolve") from None
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        if not addresses:
            raise Unresolvable("its host does not resolve")
        if not self.allow_private and not all(is_public(a) for a in addresses):
            raise UnsafeTarget("must resolve to public addresses only (not loopback, private, link-local or reserved)")
        chosen = str(addresses[0])
        host_header = parsed.netloc.decode("ascii")
        literal = _is_literal(host)
        return Target(
            url=parsed.copy_with(host=chosen),
            host_header=host_header,
            sni_hostname=None if literal or parsed.scheme != "https" else host,
        )


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
