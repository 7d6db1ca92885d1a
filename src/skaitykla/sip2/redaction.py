"""What a SIP2 log line may say about a message: its command and masked identifiers only.

Patron passwords (AD), kiosk passwords (CO) and terminal passwords (AC) are never logged; card
numbers and names (AA, AE) are masked to their last characters.
"""

from __future__ import annotations

from skaitykla.sip2.codec import Message


def mask(value: str, keep: int = 3) -> str:
    """``LNB0001234`` → ``*******234``; short values are masked whole."""
    if len(value) <= keep * 2:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def describe(message: Message) -> str:
    """A safe one-line summary of a message for the log."""
    parts = [f"{message.command}({message.name})"]
    card = message.get("AA")
    if card:
        parts.append(f"patron={mask(card)}")
    item = message.get("AB")
    if item:
        parts.append(f"item={item[:64]}")
    if message.sequence is not None:
        parts.append(f"seq={message.sequence}")
    return " ".join(parts)
