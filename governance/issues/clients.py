"""Open311 client applications: their API keys are random, shown once, and stored as a SHA-256
hash (with the first 8 characters kept to tell keys apart in the admin)."""

import hashlib
import secrets

from django.utils import timezone

from .models import Open311Client

KEY_BYTES = 32
PREFIX_LEN = 8


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def open311_client_create(*, actor, name: str, contact_email: str = "") -> tuple[Open311Client, str]:
    """Create a client; returns it and its raw key (shown once, never stored)."""
    raw = secrets.token_urlsafe(KEY_BYTES)
    client = Open311Client.objects.create(
        name=name.strip(),
        contact_email=contact_email.strip(),
        key_prefix=raw[:PREFIX_LEN],
        key_hash=_hash(raw),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return client, raw


def open311_client_for_key(raw) -> Open311Client | None:
    """The active client whose key this is, or None (unknown, empty, or deactivated)."""
    if not raw or not isinstance(raw, str) or len(raw) > 200:
        return None
    client = Open311Client.objects.filter(key_hash=_hash(raw), active=True).first()
    if client is None or not secrets.compare_digest(client.key_hash, _hash(raw)):
        return None
    return client


def open311_client_used(client: Open311Client) -> None:
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
