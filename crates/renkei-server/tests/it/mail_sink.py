"""An aiosmtpd handler for renkei's mail tests (crates/renkei-server/tests/it/mail.rs).

Started as `python -m aiosmtpd -n -l 127.0.0.1:PORT -c mail_sink.Sink DIR`: each message
received is written to DIR as <n>.eml (the bytes as received) and <n>.json (envelope,
headers, subject and text body decoded by Python's email package), the JSON last and
atomically, so a reader that sees it sees both. A recipient whose address starts with
`reject` is refused with 550, for the permanent-failure test.
"""

import email
import email.policy
import itertools
import json
import os


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.numbers = itertools.count(1)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("mail_sink.Sink takes one argument: the directory to write to")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.numbers)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        with open(os.path.join(self.directory, f"{n}.eml"), "wb") as f:
            f.write(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        data = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k: str(v) for k, v in msg.items()},
            "subject": str(msg["subject"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "body": msg.get_content(),
        }
        tmp = os.path.join(self.directory, f".{n}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(tmp, os.path.join(self.directory, f"{n}.json"))
        return "250 Message accepted for delivery"
