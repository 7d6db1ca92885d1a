"""``skaitykla demo``: the web server, the task worker, the scheduler and the SIP2 server in one
foreground command.

Ctrl-C (or SIGTERM) stops them all cleanly. ``make demo`` migrates and seeds first.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skaitykla.demo.seed import DEMO_PASSWORD, STAFF, is_demo_database
from skaitykla.demo.sip2 import KIOSK_PASSWORD, KIOSK_USERNAME, SIP2_HOST, SIP2_PORT


class Command(BaseCommand):
    help = "Run the demo: web UI, task worker and scheduler together (Ctrl-C stops them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")

    def handle(self, *args: object, **options: object) -> None:
        if not is_demo_database():
            raise CommandError("No demo data here: run `skaitykla seed_demo` (or `make demo`).")
        base = f"http://{options['addr']}:{options['port']}"
        command = [sys.executable, "-m", "skaitykla.cli"]
        processes = {
            "web": subprocess.Popen(
                [*command, "runserver", "--noreload", f"{options['addr']}:{options['port']}"]
            ),
            "worker": subprocess.Popen(
                [*command, "worker", "--interval", "2", "--no-startup-delay"]
            ),
            "scheduler": subprocess.Popen([*command, "scheduler", "--interval", "30"]),
            "sip2": subprocess.Popen(
                [*command, "sip2_server", "--host", SIP2_HOST, "--port", str(SIP2_PORT)]
            ),
        }
        self._print_welcome(base)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(
                            f"The {name} process stopped (exit {process.returncode})."
                        )
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Skaitykla demo stopped.")

    def _print_welcome(self, base: str) -> None:
        self.stdout.write(self.style.SUCCESS("Skaitykla demo is running."))
        self.stdout.write(f"  Public portal:  {base}/")
        self.stdout.write(f"  Staff login:    {base}/staff/login/")
        self.stdout.write(f"  API docs:       {base}/api/docs/")
        self.stdout.write(f"  Health:         {base}/healthz")
        self.stdout.write(
            f"  SIP2 kiosks:    {SIP2_HOST}:{SIP2_PORT} (login {KIOSK_USERNAME} / {KIOSK_PASSWORD})"
        )
        self.stdout.write(f"  Staff users (password for all: {DEMO_PASSWORD}):")
        for login in STAFF:
            self.stdout.write(f"    {login.username:<14} {login.role} ({login.library_code})")
        self.stdout.write("  All demo identifiers: skaitykla demo_info")
        self.stdout.write("Press Ctrl-C to stop.")
