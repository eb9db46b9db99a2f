#!/usr/bin/python3
"""smtp-sink.py — a real SMTP server on loopback for the end-to-end tests of email.

Run with Debian's /usr/bin/python3 (it has python3-aiosmtpd; a pyenv python3 on PATH may
not). It listens on 127.0.0.1 on a port the kernel picks and prints that port as the first
line of standard output. Every DATA it receives is written, as soon as it ends, as one JSON
line to the file named by --out:

    {"n": 1, "outcome": "accepted", "mail_from": "...", "rcpt_tos": ["..."],
     "data_b64": "<the raw message, base64>", "at": 1764000000.123}

outcome is "accepted" (answered 250), "451" or "550" (refused as told, see below) or "hang"
(DATA is never answered; the line is written before the sink starts waiting, so a test can
see the sink hold the message and then kill the client).

It is controlled on standard input, one command a line, each acknowledged on standard
output with "ok <command>" (or "error <why>") once it has taken effect:

    refuse 451 2   answer the next 2 DATA with 451 4.3.0 (a temporary failure)
    refuse 550 1   answer the next DATA with 550 5.7.1 (a permanent failure)
    hang 1         never answer the next DATA (the client must give up or be killed)
    reset          forget every pending refusal and hang; hung sessions stay hung
    stop           exit (so does the end of standard input, or SIGTERM)

The plan is consumed in order: "refuse 451 1" then "hang 1" refuses the next message and
hangs the one after. It exits 0 when stopped; anything else is a failure the test sees.
"""

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import sys
import time

from aiosmtpd.smtp import SMTP

REPLIES = {
    "451": "451 4.3.0 Temporarily refused by the test sink, try again later",
    "550": "550 5.7.1 Permanently refused by the test sink",
}


class Sink:
    """The handler aiosmtpd calls: records every DATA and answers as planned."""

    def __init__(self, out_path):
        self.out = open(out_path, "a", encoding="utf-8")
        self.plan = []  # a list of "451", "550" or "hang", consumed one per DATA
        self.count = 0
        self.hung = []  # futures of the sessions left hanging

    def write(self, outcome, envelope):
        self.count += 1
        line = {
            "n": self.count,
            "outcome": outcome,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data_b64": base64.b64encode(envelope.original_content or envelope.content or b"").decode("ascii"),
            "at": time.time(),
        }
        self.out.write(json.dumps(line) + "\n")
        self.out.flush()
        os.fsync(self.out.fileno())

    async def handle_DATA(self, server, session, envelope):
        outcome = self.plan.pop(0) if self.plan else "accepted"
        self.write(outcome, envelope)
        if outcome == "accepted":
            return "250 2.0.0 OK: queued by the test sink"
        if outcome == "hang":
            waiting = asyncio.get_running_loop().create_future()
            self.hung.append(waiting)
            await waiting  # never resolved: the client waits until it gives up or dies
            return "451 4.3.0 released"
        return REPLIES[outcome]

    def command(self, line):
        words = line.split()
        if not words:
            return None
        if words[0] == "refuse" and len(words) == 3 and words[1] in REPLIES and words[2].isdigit():
            self.plan.extend([words[1]] * int(words[2]))
        elif words[0] == "hang" and len(words) == 2 and words[1].isdigit():
            self.plan.extend(["hang"] * int(words[1]))
        elif words[0] == "reset" and len(words) == 1:
            self.plan.clear()
        elif words[0] == "stop" and len(words) == 1:
            return "stop"
        else:
            return f"error unknown command: {line.strip()}"
        return f"ok {line.strip()}"


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def main():
    parser = argparse.ArgumentParser(description="SMTP sink for Waymark's e2e tests")
    parser.add_argument("--out", required=True, help="file the received messages are appended to (JSON lines)")
    args = parser.parse_args()

    sink = Sink(args.out)
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)

    def factory():
        return SMTP(sink, hostname="sink.test", enable_SMTPUTF8=True, auth_require_tls=False,
                    data_size_limit=64 * 1024 * 1024, timeout=600)

    server = await loop.create_server(factory, sock=sock)
    done = loop.create_future()

    def finish():
        if not done.done():
            done.set_result(None)

    loop.add_signal_handler(signal.SIGTERM, finish)
    loop.add_signal_handler(signal.SIGINT, finish)

    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def control():
        while True:
            line = await reader.readline()
            if not line:
                break
            answer = sink.command(line.decode("utf-8", "replace"))
            if answer == "stop":
                break
            if answer:
                say(answer)
        finish()

    say(str(sock.getsockname()[1]))
    control_task = asyncio.create_task(control())
    await done
    control_task.cancel()
    server.close()
    for waiting in sink.hung:
        if not waiting.done():
            waiting.cancel()
    sink.out.close()


if __name__ == "__main__":
    asyncio.run(main())
