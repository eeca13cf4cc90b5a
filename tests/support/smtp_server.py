"""A real SMTP server for trohet's tests: aiosmtpd on loopback.

Started by the test suite (tests/api/mail.rs), never by hand. It listens on a free port,
prints that port on its first line of output, and writes each message it accepts to
DIR/<n>.eml. With --fail-first N it answers the first N messages with a temporary
failure (451), so the tests can watch the outbox retry.
"""

import argparse
import asyncio
import pathlib
import socket

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, directory: pathlib.Path, fail_first: int):
        self.directory = directory
        self.fail_left = fail_first
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return "451 4.3.0 Try again later"
        self.accepted += 1
        path = self.directory / f"{self.accepted:04}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(path)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    directory = pathlib.Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    controller = Controller(
        Recorder(directory, args.fail_first), hostname="127.0.0.1", port=port
    )
    controller.start()
    print(port, flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
