"""``skaitykla sip2_server``: serve SIP2 to self-check kiosks until Ctrl-C or SIGTERM.

``--processes N`` forks N server processes on one port (SO_REUSEPORT): each has its own
interpreter, event loop and database threads, so a busy network is not bound by one GIL. The
default is one process per core on PostgreSQL (``config.default_processes``): a kiosk message's
cost is mostly Python, and one process serves about one core's worth; one process on SQLite. The
processes share about ``config.TOTAL_WORKER_THREADS`` database connections unless
``SIP2_WORKER_THREADS`` sets each one's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from skaitykla.sip2.config import TOTAL_WORKER_THREADS, default_processes, server_limits
from skaitykla.sip2.server import Sip2Server, tls_context


class Command(BaseCommand):
    help = "Serve SIP2 (self-check kiosks) on a TCP port, optionally over TLS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=6001, help="Port to listen on.")
        parser.add_argument("--tls-cert", default="", help="TLS certificate chain (PEM).")
        parser.add_argument("--tls-key", default="", help="TLS private key (PEM).")
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help=(
                "Server processes sharing the port (default: one per CPU core on PostgreSQL, "
                f"{os.cpu_count() or 1} here; 1 on SQLite or with --port 0). Each one holds "
                f"its own database connections, about {TOTAL_WORKER_THREADS} for all of them "
                "together unless SIP2_WORKER_THREADS sets each process's."
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        cert, key = str(options["tls_cert"] or ""), str(options["tls_key"] or "")
        if bool(cert) != bool(key):
            raise CommandError("Give both --tls-cert and --tls-key, or neither.")
        port = int(str(options["port"]))
        given = options["processes"]
        processes = default_processes(port=port) if given is None else int(str(given))
        if processes < 1 or (processes > 1 and port == 0):
            raise CommandError("--processes needs a fixed --port and must be at least 1.")
        host = str(options["host"])

        def new_server() -> Sip2Server:
            context = tls_context(cert, key) if cert else None
            return Sip2Server(
                host=host,
                port=port,
                ssl_context=context,
                limits=server_limits(processes=processes),
                reuse_port=processes > 1,
            )

        children: list[int] = []
        if processes > 1:
            connections.close_all()  # never share a database connection across fork()
            for _ in range(processes - 1):
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child serves until it is told to stop
                    try:
                        asyncio.run(self._serve(new_server(), announce=False))
                    finally:
                        os._exit(0)
                children.append(pid)
        try:
            asyncio.run(self._serve(new_server(), announce=True, processes=processes))
        finally:
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            for pid in children:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)

    async def _serve(self, server: Sip2Server, *, announce: bool, processes: int = 1) -> None:
        await server.start()
        if announce:
            scheme = "SIP2 over TLS" if server.ssl_context else "SIP2"
            self.stdout.write(
                f"{scheme} server on {server.host}:{server.port}"
                + (f" ({processes} processes)" if processes > 1 else "")
                + " (Ctrl-C stops it)"
            )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        serving = asyncio.create_task(server.serve_forever())
        await stop.wait()
        serving.cancel()
        await server.close()
        if announce:
            self.stdout.write("SIP2 server stopped.")
