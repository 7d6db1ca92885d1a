"""Skaitykla: a library user-services platform."""

__version__ = "0.1.0"
