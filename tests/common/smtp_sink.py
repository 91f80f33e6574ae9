"""A real SMTP server for the delivery tests (issue 14): aiosmtpd on 127.0.0.1:PORT that writes
each message it accepts to FOLDER as JSON (envelope, Message-ID, decoded subject, the text and
HTML parts and every part's content type). Optional DELAY seconds per message make a batch
slow enough to be killed in the middle. Prints "ready" once listening; stops when stdin closes.

usage: smtp_sink.py PORT FOLDER [DELAY]
"""

import asyncio
import email
import email.policy
import json
import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        parts = {}
        types = []
        for part in message.walk():
            types.append(part.get_content_type())
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": message["Message-ID"],
            "from": str(message["From"]),
            "reply_to": str(message["Reply-To"]) if message["Reply-To"] else None,
            "subject": str(message["Subject"]),
            "content_types": types,
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
        }
        self.count += 1
        path = os.path.join(self.folder, "%d-%d.json" % (time.time_ns(), self.count))
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    folder = sys.argv[2]
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    controller = Controller(Sink(folder, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


main()
