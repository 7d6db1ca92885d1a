"""``skaitykla sip2_kiosk``: create or change a self-check kiosk account from the shell.

The password is read from the terminal (or one line of standard input), never from the command
line, so it stays out of shell history and process lists.
"""

from __future__ import annotations

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skaitykla.core.errors import DomainError
from skaitykla.core.models import Library
from skaitykla.sip2.choices import KioskEncoding, KioskLanguage
from skaitykla.sip2.services import save_kiosk_account

_ACTIONS = ("checkout", "checkin", "renew", "patron_information", "fee_paid", "block_patron")


class Command(BaseCommand):
    help = "Create or change a SIP2 kiosk account (the password is prompted for)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--library", required=True, help="Library code.")
        parser.add_argument("--location", default=None, help="Location code (AO/AQ).")
        parser.add_argument("--encoding", choices=KioskEncoding.values, default=None)
        parser.add_argument("--language", choices=KioskLanguage.values, default=None)
        parser.add_argument("--set-password", action="store_true", help="Prompt for a password.")
        parser.add_argument(
            "--allow", nargs="*", choices=_ACTIONS, default=None, help="Allowed actions only."
        )
        parser.add_argument("--require-checksums", action="store_true", default=None)
        parser.add_argument("--deactivate", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        library = Library.objects.filter(code=str(options["library"])).first()
        if library is None:
            raise CommandError(f"No library with code {options['library']!r}.")
        fields: dict[str, object] = {}
        if options["location"] is not None:
            fields["location_code"] = options["location"]
        if options["encoding"] is not None:
            fields["encoding"] = options["encoding"]
        if options["language"] is not None:
            fields["language"] = options["language"]
        if options["allow"] is not None:
            allowed = set(options["allow"])  # type: ignore[call-overload]
            fields.update({f"allow_{action}": action in allowed for action in _ACTIONS})
        if options["require_checksums"]:
            fields["error_detection_required"] = True
        if options["deactivate"]:
            fields["is_active"] = False
        password = self._password() if options["set_password"] else None
        try:
            kiosk = save_kiosk_account(
                username=str(options["username"]), library=library, password=password, **fields
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Kiosk account {kiosk.username} saved ({library.code}).")

    def _password(self) -> str:
        if sys.stdin.isatty():
            first = getpass.getpass("Password: ")
            if first != getpass.getpass("Again: "):
                raise CommandError("The passwords differ.")
            return first
        return sys.stdin.readline().rstrip("\n")
