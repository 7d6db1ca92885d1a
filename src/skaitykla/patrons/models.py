"""Readers, categories, cards, consents, blocks, room permissions and visits."""
