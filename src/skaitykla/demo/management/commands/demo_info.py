import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skaitykla.demo.seed import demo_info, is_demo_database


class Command(BaseCommand):
    help = "Print the demo logins and identifiers (refuses on a database not seeded as a demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: object, **options: object) -> None:
        if not is_demo_database():
            raise CommandError(
                "This database was not seeded as a demo (run `skaitykla seed_demo`)."
            )
        info = demo_info()
        if options["json"]:
            self.stdout.write(json.dumps(info, ensure_ascii=False, indent=2))
            return
        web = info["web"]
        assert isinstance(web, dict)
        self.stdout.write(f"Portal:      {web['portal']}")
        self.stdout.write(f"Staff login: {web['staff']}")
        self.stdout.write(f"API docs:    {web['api_docs']}")
        self.stdout.write("Staff users (username / password / role / library):")
        for login in info["staff"]:  # type: ignore[attr-defined]
            username, role = login["username"], login["role"]
            password, library = login["password"], login["library"]
            self.stdout.write(f"  {username:<14} {password}  {role:<20} {library}")
        circulation = info.get("circulation")
        if isinstance(circulation, dict):
            self.stdout.write(
                f"Reader with loans: {circulation['reader_with_loans']}; "
                f"reader with an order ready: {circulation['reader_with_order_ready']} "
                "(PINs in --json under readers)"
            )
        kiosk = info.get("sip2")
        if isinstance(kiosk, dict):
            self.stdout.write(
                f"SIP2 kiosk:  {kiosk['host']}:{kiosk['port']}  login {kiosk['login']} / "
                f"{kiosk['password']}  (institution {kiosk['institution']})"
            )
