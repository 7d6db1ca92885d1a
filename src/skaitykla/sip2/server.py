"""The asyncio SIP2 server: one session per TCP (or TLS) connection.

The event loop only frames and parses; every message that needs the database is handled in a
worker thread (``ThreadPoolExecutor``), so one slow kiosk never stalls the others. A line that
cannot be parsed is answered with ``96`` and never reaches a handler. Log lines carry commands
and masked identifiers only (see ``redaction``). Each worker thread keeps its database
connection from message to message (``worker_connections``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from skaitykla.sip2 import codec, handlers, worker_connections
from skaitykla.sip2.codec import ChecksumError, Message, Sip2ParseError
from skaitykla.sip2.config import ServerLimits, server_limits
from skaitykla.sip2.redaction import describe
from skaitykla.sip2.session import KioskSession

logger = logging.getLogger("skaitykla.sip2")

#: Commands a session may send before a successful ``93`` login.
_BEFORE_LOGIN = frozenset({"93"})
#: … and when ``99`` (status) is answered before login too (the default).
_BEFORE_LOGIN_WITH_STATUS = _BEFORE_LOGIN | {"99"}


def tls_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


class Sip2Server:
    """Serve SIP2 on ``host:port``; ``port=0`` picks a free port (see ``.port`` after start)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 6001,
        ssl_context: ssl.SSLContext | None = None,
        limits: ServerLimits | None = None,
        reuse_port: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        #: Several server processes may listen on one port (Linux SO_REUSEPORT): the kernel
        #: spreads connections across them, each with its own interpreter and thread pool.
        self.reuse_port = reuse_port
        self.limits = limits or server_limits()
        self._executor = ThreadPoolExecutor(
            max_workers=self.limits.worker_threads, thread_name_prefix="sip2-db"
        )
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.active_connections = 0

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connection,
            host=self.host,
            port=self.port,
            ssl=self.ssl_context,
            limit=self.limits.max_line_bytes,
            reuse_port=self.reuse_port or None,
        )
        sockets = self._server.sockets or ()
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        logger.info("SIP2 server listening on %s:%s", self.host, self.port)

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
        await asyncio.get_running_loop().run_in_executor(None, self._shutdown_workers)

    def _shutdown_workers(self) -> None:
        """Close every worker thread's database connection, then stop the pool."""
        count = self.limits.worker_threads
        barrier = threading.Barrier(count)

        def close_here() -> None:
            connections.close_all()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)

        futures = [self._executor.submit(close_here) for _ in range(count)]
        for future in futures:
            future.result()
        self._executor.shutdown(wait=True)

    # --- one connection ---------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if peername else "?"
        if self.active_connections >= self.limits.max_connections:
            logger.warning("SIP2 connection from %s refused: too many connections", peer)
            writer.close()
            return
        self.active_connections += 1
        if task is not None:
            self._connections.add(task)
        session = KioskSession(peer=peer, address=str(peername[0]) if peername else "")
        logger.info("SIP2 connection from %s", peer)
        try:
            await self._session_loop(session, reader, writer)
        except (ConnectionError, asyncio.CancelledError, ssl.SSLError):
            pass
        finally:
            self.active_connections -= 1
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            logger.info("SIP2 connection from %s closed", peer)

    async def _session_loop(
        self,
        session: KioskSession,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        while True:
            timeout = (
                self.limits.login_timeout if session.kiosk is None else self.limits.idle_timeout
            )
            try:
                line = await asyncio.wait_for(reader.readuntil(codec.TERMINATOR), timeout)
            except TimeoutError:
                logger.info("SIP2 session %s timed out", session.peer)
                return
            except asyncio.LimitOverrunError:
                logger.warning("SIP2 session %s sent a line over the limit; closing", session.peer)
                return
            except asyncio.IncompleteReadError:
                return  # the peer closed; a partial line without its CR is dropped
            response, close = await self.process_line(session, line)
            if response:
                writer.write(response)
                await writer.drain()
            if close:
                return

    async def process_line(self, session: KioskSession, line: bytes) -> tuple[bytes | None, bool]:
        """The reply to one received line and whether to close the connection after it."""
        raw = codec.strip_terminator(line)
        if not raw.strip():
            return None, False
        try:
            message = codec.parse(raw, encoding=session.encoding)
        except Sip2ParseError as error:
            if isinstance(error, ChecksumError):
                session.uses_error_detection = True
            logger.info("SIP2 session %s: unparsable message (%s)", session.peer, error.reason)
            return session.resend_request(), False
        if message.command == "97":
            return session.last_response or session.resend_request(), False
        if session.is_duplicate(message) and session.last_response is not None:
            logger.info("SIP2 session %s: duplicate %s replayed", session.peer, message.command)
            return session.last_response, False
        allowed_early = (
            _BEFORE_LOGIN if self.limits.require_login_for_status else _BEFORE_LOGIN_WITH_STATUS
        )
        if session.kiosk is None and message.command not in allowed_early:
            logger.info("SIP2 session %s: %s before login; closing", session.peer, message.command)
            return None, True
        if (
            session.kiosk is not None
            and session.kiosk.error_detection_required
            and message.checksum is None
        ):
            logger.info("SIP2 session %s: message without error detection", session.peer)
            return session.resend_request(force_checksum=True), False
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("SIP2 session %s: %s", session.peer, describe(message))
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(self._executor, self._handle, session, message)
        data = session.encode_reply(reply, request=message)
        if message.command != "93" or reply.fixed.get("ok") == "1":
            session.remember(message, data)
        close = session.failed_logins >= self.limits.max_failed_logins
        if close:
            logger.warning("SIP2 session %s: too many failed logins; closing", session.peer)
        return data, close

    def _handle(self, session: KioskSession, message: Message) -> Message:
        worker_connections.before_message()
        try:
            return handlers.dispatch(session, message, limits=self.limits)
        except Exception as error:
            logger.error(
                "SIP2 session %s: %s failed with %s",
                session.peer,
                message.command,
                type(error).__name__,
            )
            return handlers.failure_reply(session, message)
        finally:
            worker_connections.after_message()


class BackgroundServer:
    """Run a ``Sip2Server`` on its own event loop in a thread (tests, benchmarks, demo)."""

    def __init__(self, server: Sip2Server) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="sip2-server", daemon=True)
        self._started = threading.Event()
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as error:
            self._error = error
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        self._started.wait(timeout=10)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        future = asyncio.run_coroutine_threadsafe(self.server.close(), self._loop)
        future.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def port(self) -> int:
        return self.server.port
