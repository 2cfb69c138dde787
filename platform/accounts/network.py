"""Who sent a request: the one place that reads ``X-Forwarded-For``.

Behind reverse proxies every request comes from the last proxy's address;
each proxy appends the address it received the request from to
``X-Forwarded-For``. With ``TRUSTED_PROXY_COUNT`` proxies of ours in front,
the client is the entry the outermost of them wrote: the
``TRUSTED_PROXY_COUNT``-th from the end. Anything further left was sent by
the client itself and cannot be trusted. The intake rate limits, allauth's
rate limits and lockout (``AccountAdapter.get_client_ip``) and the access log
all use this function.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when it cannot be told."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return _clean(hops[-proxies])
        # Fewer entries than proxies: the request did not come through all of them
        # (a health probe inside the cluster, say); the socket's address is the client.
    return _clean(request.META.get("REMOTE_ADDR", ""))
