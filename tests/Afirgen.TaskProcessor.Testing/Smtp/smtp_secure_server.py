"""An aiosmtpd server with STARTTLS and SMTP AUTH, for the SMTP fixture (SmtpServer.StartSecureAsync).

The aiosmtpd command line has no authenticator, so this script builds the server itself. It stores what it
receives in a Maildir, like the plain fixture. Arguments: --host --port --maildir --user --password, and
--cert/--key (PEM) to offer STARTTLS (required before AUTH); without them it offers no STARTTLS at all.
Stops on SIGTERM or SIGINT.
"""
import argparse
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == a.user.encode() and auth_data.password == a.password.encode())
        return AuthResult(success=ok, handled=False)

    tls = None
    if a.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.cert, a.key)
    controller = Controller(
        Mailbox(a.maildir), hostname=a.host, port=a.port,
        tls_context=tls, require_starttls=tls is not None,
        authenticator=authenticator, auth_required=True, auth_require_tls=tls is not None)
    controller.start()
    print(f"listening on {a.host}:{a.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
