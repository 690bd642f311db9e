"""A real IMAP server for the tests: Debian's Dovecot with a configuration of its own.

`Dovecot()` writes everything into a new temporary directory: a self-signed certificate made
with `openssl`, a configuration that reads no system file (`dovecot -c`), Maildir homes, the
runtime and state directories and the log. It listens on 127.0.0.1 on two free ports: one for
implicit TLS (imaps) and one for STARTTLS. A static passdb takes any user name with PASSWORD,
so each test takes a user of its own (`new_user()`) and starts from an empty mailbox. Each
session's commands are kept in a rawlog, so a test can check which commands the client sent.

Run as root, Dovecot's login and internal processes use the package's dovenull and dovecot
accounts and mail is stored as `nobody` (Dovecot refuses mail access as root); otherwise
everything runs as the current user.
"""

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..outbound.mailserver import free_port

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = Path("/usr/bin/doveadm")
HOST = "127.0.0.1"
PASSWORD = "imap-test-password"
START_SECONDS = 10


class DovecotFailed(RuntimeError):
    """Dovecot did not start or stop; the message carries its log."""


class Dovecot:
    """`with Dovecot() as server:` a running Dovecot, stopped (or killed) when the block ends.

    `capabilities` replaces what Dovecot advertises after log-in, to play an older server
    (say, one without MOVE); the commands themselves keep working.
    """

    def __init__(self, *, capabilities: str | None = None):
        self.capabilities = capabilities
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self._users = 0

    def __enter__(self) -> "Dovecot":
        self.directory = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()

    @property
    def ca_file(self) -> Path:
        """The server's self-signed certificate: the CA a client must trust."""
        return self.directory / "cert.pem"

    @property
    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def new_user(self) -> str:
        """A user name no one has used on this server yet: a new, empty mailbox."""
        self._users += 1
        user = f"user{self._users}"
        _mail_directory(self.directory / "rawlog" / user)
        return user

    def settings(self, user: str, security: str = "ssl", **overrides) -> dict:
        """The app's HELPDESK_IMAP_* settings to fetch `user`'s mail from this server."""
        return {
            "HELPDESK_IMAP_HOST": HOST,
            "HELPDESK_IMAP_PORT": self.imaps_port if security == "ssl" else self.imap_port,
            "HELPDESK_IMAP_SECURITY": security,
            "HELPDESK_IMAP_USERNAME": user,
            "HELPDESK_IMAP_PASSWORD": PASSWORD,
            "HELPDESK_IMAP_CA_FILE": str(self.ca_file),
        } | overrides

    @contextmanager
    def session(self, user: str) -> Iterator[imaplib.IMAP4_SSL]:
        """A logged-in IMAP session as `user`, to put mail in and look at it."""
        context = ssl.create_default_context(cafile=self.ca_file)
        with imaplib.IMAP4_SSL(HOST, self.imaps_port, ssl_context=context) as connection:
            connection.login(user, PASSWORD)
            yield connection

    def append(self, user: str, raw: bytes, mailbox: str = "INBOX", flags: str = "") -> None:
        with self.session(user) as connection:
            status, reply = connection.append(
                f'"{mailbox}"', f"({flags})" if flags else None, None, raw
            )
            assert status == "OK", reply

    def create_mailbox(self, user: str, mailbox: str) -> None:
        with self.session(user) as connection:
            status, reply = connection.create(f'"{mailbox}"')
            assert status == "OK", reply

    def flags(self, user: str, mailbox: str = "INBOX") -> list[set[str]]:
        """The flags of each message in `mailbox`, in UID order."""
        with self.session(user) as connection:
            status, reply = connection.select(f'"{mailbox}"', readonly=True)
            assert status == "OK", reply
            if int(reply[0]) == 0:
                return []
            status, reply = connection.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK", reply
        return [{flag.decode() for flag in imaplib.ParseFlags(item)} for item in reply]

    def client_text(self, user: str) -> str:
        """What `user`'s sessions sent after log-in (from the rawlog), oldest session first."""
        lines = []
        for path in sorted((self.directory / "rawlog" / user).glob("*.in")):
            for line in path.read_text(errors="replace").splitlines():
                lines.append(line.split(" ", 1)[-1])  # without the timestamp
        return "\n".join(lines)

    def logins(self, user: str) -> list[str]:
        """Dovecot's log line of each log-in of `user`; it says "TLS" for one over TLS."""
        return [line for line in self.log.splitlines() if f"Login: user=<{user}>," in line]

    def kick(self, user: str) -> None:
        """Drop every open session of `user`, as a crashed server or a cut network would.
        The kick is a signal: wait (up to 5 s) until the sessions are gone, so that the next
        command of the kicked client cannot still be served on a busy machine."""
        subprocess.run(
            [DOVEADM, "-c", self.directory / "dovecot.conf", "kick", user],
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 5
        while self._has_sessions(user) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _has_sessions(self, user: str) -> bool:
        who = subprocess.run(
            [DOVEADM, "-c", self.directory / "dovecot.conf", "who", "-1", user],
            capture_output=True,
            text=True,
        )
        return who.returncode == 0 and user in who.stdout

    def _start(self) -> None:
        self._make_certificate()
        self._write_configuration()
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", self.directory / "dovecot.conf"],
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / "stderr.log").open("wb"),
            start_new_session=True,  # its own process group, so it can be killed as a whole
        )
        deadline = time.monotonic() + START_SECONDS
        while not all(self._listening(port) for port in (self.imap_port, self.imaps_port)):
            if self._process.poll() is not None or time.monotonic() > deadline:
                stderr = (self.directory / "stderr.log").read_text(errors="replace")
                raise DovecotFailed(f"Dovecot did not start:\n{stderr}{self.log}")
            time.sleep(0.05)

    def _stop(self) -> None:
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=START_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    @staticmethod
    def _listening(port: int) -> bool:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
        except OSError:
            return False
        return True

    def _make_certificate(self) -> None:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                f"subjectAltName=IP:{HOST},DNS:localhost",
                "-keyout",
                self.directory / "key.pem",
                "-out",
                self.ca_file,
            ],  # fmt: skip
            check=True,
            capture_output=True,
        )

    def _write_configuration(self) -> None:
        login_user, internal_user, internal_group, mail_account = _accounts()
        mail = _mail_directory(self.directory / "mail")
        rawlog = _mail_directory(self.directory / "rawlog")
        self.directory.chmod(0o711)  # the mail user must reach its home
        capabilities = f"imap_capability = {self.capabilities}" if self.capabilities else ""
        (self.directory / "dovecot.conf").write_text(f"""\
protocols = imap
listen = {HOST}
base_dir = {self.directory / "run"}
state_dir = {self.directory / "state"}
log_path = {self.directory / "dovecot.log"}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = {mail_account.pw_uid}
last_valid_uid = {mail_account.pw_uid}
ssl = yes
ssl_cert = <{self.ca_file}
ssl_key = <{self.directory / "key.pem"}
auth_mechanisms = plain
auth_failure_delay = 0
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_account.pw_uid} gid={mail_account.pw_gid} home={mail}/%u
}}
mail_location = maildir:~/Maildir
protocol imap {{
  rawlog_dir = {rawlog}/%u
  {capabilities}
}}
# No chroot: a Dovecot run by a user other than root could not chroot. No penalty delay
# on log-ins after a failed one (a test of a wrong password would slow down the next).
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
""")


def _mail_directory(path: Path) -> Path:
    """A new directory that Dovecot's mail processes can write to."""
    path.mkdir()
    mail_account = _accounts()[-1]
    os.chown(path, mail_account.pw_uid, mail_account.pw_gid)
    return path


def _accounts() -> tuple[str, str, str, pwd.struct_passwd]:
    """(login user, internal user, internal group, mail account) for Dovecot's processes."""
    if os.geteuid() == 0:
        return "dovenull", "dovecot", "dovecot", pwd.getpwnam("nobody")
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, me.pw_name, grp.getgrgid(me.pw_gid).gr_name, me
