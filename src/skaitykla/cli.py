"""The ``skaitykla`` command: Django's manage with Skaitykla's settings.

Configuration errors (a missing ``DATABASE_URL`` or ``SECRET_KEY`` in production mode) are
printed as one line naming the variable, with exit status 2, never as a traceback.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skaitykla.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "skaitykla"
    from skaitykla.config import ConfigurationError

    try:
        import django

        django.setup()
    except ConfigurationError as error:
        sys.stderr.write(f"skaitykla: configuration error: {error}\n")
        raise SystemExit(2) from None

    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
