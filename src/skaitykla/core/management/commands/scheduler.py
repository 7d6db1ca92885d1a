"""``skaitykla scheduler``: enqueues periodic jobs when they are due; workers run them."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from skaitykla.core.schedule import enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue periodic jobs when due (safe to run on several machines at once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue what is due, then exit.")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks.")

    def handle(self, *args: object, **options: object) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        while True:
            close_old_connections()
            for name in enqueue_due_jobs():
                self.stdout.write(f"enqueued {name}")
            if options["once"] or stop.wait(float(options["interval"])):  # type: ignore[arg-type]
                break
        close_old_connections()
