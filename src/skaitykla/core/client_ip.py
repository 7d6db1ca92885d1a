"""The client's IP address behind a known number of trusted reverse proxies.

With ``PROXY_COUNT = 0`` (the default) it is ``REMOTE_ADDR``. Behind N proxies it is the N-th
address from the right of ``X-Forwarded-For`` (each proxy appends the address it saw), so a
client cannot forge its address by sending its own header. Login throttling counts by it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
