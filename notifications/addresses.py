"""Where a webhook may go: the network addresses refused, and a requests adapter that
connects only to an address it has just checked.

A webhook URL names a host, but the host's address is whatever DNS answers at the moment of
sending, so the check is made where the connection is made: the adapter resolves the name,
checks every address it gets, and hands urllib3 the checked address itself, keeping the name
for the Host header, the TLS server name and the certificate check. A DNS answer that changes
between the check and the connection (rebinding) cannot reach an address that was not
checked. Spellings such as ``2130706433``, ``0x7f.1`` or ``[::ffff:127.0.0.1]`` need no
parsing of our own: the resolver turns them into the address that would be connected to, and
that address is what is checked.

Hand-written because the rules are ours (private addresses allowed by a setting while
metadata, link-local and multicast ones stay refused, and a reason an admin can read); the
technique is requests' documented override point, ``build_connection_pool_key_attributes``.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.connection import allowed_gai_family

Address = IPv4Address | IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}

#: Cloud metadata services, which hand out the machine's credentials: refused even when
#: private addresses are allowed. (169.254.169.254 is link-local too.)
METADATA_ADDRESSES = frozenset(
    ip_address(address)
    for address in (
        "169.254.169.254",  # most clouds' instance metadata
        "169.254.170.2",  # container task metadata
        "fd00:ec2::254",  # instance metadata over IPv6
        "100.100.100.200",  # instance metadata in the shared address space
    )
)
#: Shared address space (carrier-grade NAT, RFC 6598): ``ipaddress`` calls it neither
#: private nor global, so ``is_private`` alone would let it through.
SHARED_ADDRESS_SPACE = ip_network("100.64.0.0/10")
#: Unique-local IPv6 (RFC 4193); ``is_private`` covers it, named here for the reason given.
UNIQUE_LOCAL = ip_network("fc00::/7")
#: Not globally reachable, though older ``ipaddress`` tables (this project's Python 3.11
#: among them) call them global: IETF protocol assignments and local-use NAT64.
NOT_GLOBAL: tuple[IPv4Network | IPv6Network, ...] = (
    ip_network("192.0.0.0/24"),
    ip_network("64:ff9b:1::/48"),
)
#: Well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 address reached.
NAT64 = ip_network("64:ff9b::/96")


class RefusedAddress(requests.RequestException):
    """A webhook host that is, or resolves to, an address webhooks may not go to.

    A ``RequestException``, so that requests lets it out of ``send`` as it is (a ValueError
    would come out as ``InvalidURL``). ``allowable`` says whether allowing private addresses
    would let it through.
    """

    def __init__(self, message: str, *, allowable: bool) -> None:
        super().__init__(message)
        self.allowable = allowable


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: Address, *, allow_private: bool) -> tuple[str, bool]:
    """What kind of address ``address`` is if webhooks may not go to it, else "".

    :returns: (the kind, e.g. "a loopback address", or ""; whether allowing private
        addresses would let it through).
    """
    if isinstance(address, IPv6Address) and (ipv4 := _embedded_ipv4(address)) is not None:
        kind, allowable = refusal(ipv4, allow_private=allow_private)
        return (f"the IPv6 form of {ipv4}, {kind}" if kind else ""), allowable
    if address.is_unspecified:
        return "the unspecified address, which reaches this machine", False
    if address.is_multicast:
        return "a multicast address", False
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address", False
    if address.is_link_local:
        return "a link-local address", False
    if address.is_loopback:
        return ("" if allow_private else "a loopback address"), True
    if address.is_reserved:
        return "a reserved address", False
    if allow_private:
        return "", True
    if address in UNIQUE_LOCAL:
        return "a unique-local address", True
    if address in SHARED_ADDRESS_SPACE:
        return "a shared (carrier-grade NAT) address", True
    if address.is_private:
        return "a private address", True
    if not address.is_global or any(address in network for network in NOT_GLOBAL):
        return "not a globally reachable address", True
    return "", True


def resolve(host: str, port: int) -> list[Address]:
    """The addresses a connection to ``host`` would try, in order, without repeats.

    A trailing dot (an absolute name) is dropped first, so ``127.0.0.1.`` and ``localhost.``
    resolve as what they mean.

    :raises socket.gaierror: the name does not resolve.
    """
    name = host.removesuffix(".")
    try:
        infos = socket.getaddrinfo(name, port, family=allowed_gai_family(), type=socket.SOCK_STREAM)
    except UnicodeError as error:  # an empty or overlong label
        raise socket.gaierror(socket.EAI_NONAME, f"not a host name: {error}") from error
    return list(dict.fromkeys(ip_address(info[4][0]) for info in infos))


def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[Address]:
    """Every address of ``host``, when webhooks may go to all of them.

    One refused address refuses the host: whoever controls its DNS could add it.

    :raises RefusedAddress: naming the address and what kind it is.
    :raises socket.gaierror: the name does not resolve.
    """
    addresses = resolve(host, port)
    for address in addresses:
        kind, allowable = refusal(address, allow_private=allow_private)
        if kind:
            raise RefusedAddress(f"{_named(host, address)} {kind}", allowable=allowable)
    return addresses


def _named(host: str, address: Address) -> str:
    """How ``host`` came to be ``address``, to begin a refusal with."""
    try:
        if ip_address(host) == address:
            return f"{host} is"
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except OSError:
        return f"{host} resolves to {address},"
    return f"{host} means {address},"


def url_host(url: str) -> tuple[str, str, int]:
    """The scheme, host and port that requests would connect to for ``url``.

    Read through requests' own URL preparation (IDNA encoding, quoting), so the host checked
    when an endpoint is registered is the one its deliveries connect to.

    :raises ValueError: not an absolute http(s) URL with a valid port.
    """
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except requests.RequestException as error:
        raise ValueError("must be an absolute http(s) URL") from error
    parts = urlsplit(prepared.url or "")
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise ValueError("must be an absolute http(s) URL with a port from 1 to 65535") from error
    return parts.scheme, parts.hostname, port


class CheckedAddressAdapter(HTTPAdapter):
    """An HTTP(S) adapter that connects only to an address it has just checked.

    Connection pools are keyed by the checked address (and, for TLS, by the host name the
    certificate must carry), so a pooled connection is always one to a checked address.

    :raises RefusedAddress: from ``send``, before any connection is made.
    """

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        self._allow_private = allow_private

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        scheme, host = host_params["scheme"], host_params["host"]
        port = host_params["port"] or DEFAULT_PORTS[scheme]
        try:
            address = checked_addresses(host, port, allow_private=self._allow_private)[0]
        except socket.gaierror as error:
            raise requests.ConnectionError(f"{host} does not resolve: {error}") from error
        if scheme == "https":
            # The server is asked for, and its certificate checked against, the name.
            pool_kwargs["server_hostname"] = host
            pool_kwargs["assert_hostname"] = host
        host_params["host"] = str(address)
        return host_params, pool_kwargs

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Mapping[str, Any]) -> None:
        """The Host header names the URL's host, since the connection names an address."""
        request.headers["Host"] = urlsplit(request.url or "").netloc.rpartition("@")[2]
