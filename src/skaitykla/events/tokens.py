"""Signed tokens in the links we e-mail: cancel a registration, accept an offer, give feedback,
download a certificate. The token names the registration; the signature (keyed with the secret
key) proves we issued it. It is the same every time, so every e-mail carries the same link."""

from __future__ import annotations

from django.core import signing

_SIGNER = signing.Signer(salt="skaitykla.events.registration")


def make_token(registration_id: int) -> str:
    return _SIGNER.sign(str(int(registration_id)))


def read_token(token: str) -> int | None:
    try:
        value = _SIGNER.unsign(str(token))
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None
