"""A throw-away OpenLDAP server (Debian's ``slapd``) for the directory sign-in tests.

``ldap_server`` starts slapd in a temporary folder on a free port with the test directory
below (people in two OUs, nested groups, a disabled person, a service account that alone may
search), points the ``LDAP_*`` settings at it and stops it afterwards. Without slapd the tests
skip with a message saying how to enable them; under CI they fail instead.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import ldap3
import pytest

from tests.processes import free_port, stop_process

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
SCHEMA = Path("/etc/ldap/schema")
BASE = "dc=example,dc=org"
ROOT_DN, ROOT_PASSWORD = f"cn=admin,{BASE}", "root-secret"
SERVICE_DN, SERVICE_PASSWORD = f"cn=sozialraum,ou=services,{BASE}", "service-secret"
PEOPLE, GROUPS = f"ou=people,{BASE}", f"ou=groups,{BASE}"
# groupOfNames needs at least one member: every group keeps this one.
NOBODY = f"cn=nobody,{BASE}"
DISABLED_FILTER = "(employeeType=disabled)"
DISABLED_LINE = "employeeType: disabled\n"

# Person: uid → (given name, surname, mail, password, OU below people, extra lines).
PEOPLE_ROWS = {
    "anna": ("Anna", "Berger", "anna.berger@example.org", "Anna-Passwort-1", "", ""),
    "bernd": (
        "Bernd",
        "Özdemir",
        "bernd.oezdemir@example.org",
        "Bernd-Passwort-1",
        "ou=backnang,",
        "",
    ),
    "carla": (
        "Carla",
        "Dietz",
        "carla.dietz@example.org",
        "Carla-Passwort-1",
        "",
        "employeeType: disabled\n",
    ),
    "dora": ("Dora", "Engel", "dora.engel@example.org", "Dora-Passwort-1", "", ""),
}
# Group cn → member DNs. srt-winnenden-neu is nested inside srt-winnenden.
GROUP_ROWS = {
    "srt-winnenden": [f"uid=anna,{PEOPLE}", f"cn=srt-winnenden-neu,{GROUPS}"],
    "srt-winnenden-neu": [f"uid=bernd,ou=backnang,{PEOPLE}"],
    "jugendamt-leitung": [f"uid=dora,{PEOPLE}"],
    "alle-mitarbeitenden": [f"cn=srt-winnenden,{GROUPS}", f"uid=carla,{PEOPLE}"],
}


def person_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE_ROWS[uid][4]}{PEOPLE}"


def group_dn(cn: str) -> str:
    return f"cn={cn},{GROUPS}"


def password_of(uid: str) -> str:
    return PEOPLE_ROWS[uid][3]


def _ldif() -> str:
    blocks = [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Amt\ndc: example",
        f"dn: {NOBODY}\nobjectClass: organizationalRole\ncn: nobody",
        f"dn: ou=services,{BASE}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: sozialraum\nuserPassword: {SERVICE_PASSWORD}",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=backnang,{PEOPLE}\nobjectClass: organizationalUnit\nou: backnang",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups",
    ]
    for uid, (given, surname, mail, password, _ou, extra) in PEOPLE_ROWS.items():
        blocks.append(
            f"dn: {person_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: {given} {surname}\ngivenName: {given}\nsn: {surname}\nmail: {mail}\n"
            f"userPassword: {password}\n{extra}".strip()
        )
    for cn, members in GROUP_ROWS.items():
        lines = "".join(f"member: {m}\n" for m in [NOBODY, *members])
        blocks.append(f"dn: {group_dn(cn)}\nobjectClass: groupOfNames\ncn: {cn}\n{lines}".strip())
    return "\n\n".join(blocks) + "\n"


def _config(folder: Path, *, tls: bool) -> str:
    schemas = "".join(
        f"include {SCHEMA / name}.schema\n" for name in ("core", "cosine", "inetorgperson", "nis")
    )
    certificates = (
        f"TLSCACertificateFile {folder / 'ca.pem'}\n"
        f"TLSCertificateFile {folder / 'server.pem'}\n"
        f"TLSCertificateKeyFile {folder / 'server.key'}\n"
        if tls
        else ""
    )
    return (
        f"{schemas}{certificates}"
        f"pidfile {folder / 'slapd.pid'}\n"
        "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f'database mdb\nsuffix "{BASE}"\nrootdn "{ROOT_DN}"\nrootpw {ROOT_PASSWORD}\n'
        f"directory {folder / 'db'}\nmaxsize 10485760\n"
        # Passwords only for binding; anonymous may not search: the service account must bind.
        "access to attrs=userPassword by anonymous auth by * none\n"
        "access to * by users read by * none\n"
    )


@dataclass
class LdapServer:
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    tls: bool = False

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self) -> "LdapServer":
        (self.folder / "db").mkdir(parents=True)
        config = self.folder / "slapd.conf"
        if self.tls:
            make_certificates(self.folder)
        config.write_text(_config(self.folder, tls=self.tls))
        (self.folder / "base.ldif").write_text(_ldif())
        subprocess.run(
            [SLAPD, "-T", "add", "-f", str(config), "-l", str(self.folder / "base.ldif")],
            check=True,
            capture_output=True,
        )
        # -d 0: stay in the foreground (no fork), so that the fixture owns the process.
        self.process = subprocess.Popen(
            [SLAPD, "-d", "0", "-f", str(config), "-h", f"{self.url}/"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("slapd exited at start")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("slapd did not start")

    def stop(self) -> None:
        stop_process(self.process)

    @contextmanager
    def admin(self) -> Iterator[ldap3.Connection]:
        """A connection bound as the directory's root (to change the test directory)."""
        connection = ldap3.Connection(
            ldap3.Server(self.url, get_info=ldap3.NONE), ROOT_DN, ROOT_PASSWORD
        )
        try:
            connection.open()
            connection.bind()
            yield connection
        finally:
            connection.unbind()

    def modify(self, dn: str, changes: dict) -> None:
        with self.admin() as connection:
            assert connection.modify(dn, changes), connection.result

    def remove_member(self, group: str, member: str) -> None:
        self.modify(group_dn(group), {"member": [(ldap3.MODIFY_DELETE, [member])]})

    def disable(self, uid: str) -> None:
        self.modify(person_dn(uid), {"employeeType": [(ldap3.MODIFY_REPLACE, ["disabled"])]})

    def delete(self, uid: str) -> None:
        with self.admin() as connection:
            assert connection.delete(person_dn(uid)), connection.result

    def settings(self) -> dict:
        """The LDAP_* settings for this server (names as in sozialraum.settings)."""
        return {
            "LDAP_URL": self.url,
            "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "LDAP_USER_BASE": PEOPLE,
            "LDAP_USER_FILTER": "(objectClass=inetOrgPerson)",
            "LDAP_LOGIN_ATTRIBUTES": ["uid", "mail"],
            "LDAP_USERNAME_ATTRIBUTE": "uid",
            "LDAP_GROUP_BASE": GROUPS,
            "LDAP_GROUP_FILTER": "(objectClass=groupOfNames)",
            "LDAP_NESTED": "walk",
            "LDAP_DISABLED_FILTER": DISABLED_FILTER,
        }

    def environment(self) -> dict:
        """The same as DJANGO_LDAP_* variables, for a process of its own (the worker)."""
        values = self.settings()
        env = {f"DJANGO_{name}": value for name, value in values.items() if isinstance(value, str)}
        env["DJANGO_LDAP_LOGIN_ATTRIBUTES"] = ",".join(values["LDAP_LOGIN_ATTRIBUTES"])
        return env


def make_certificates(folder: Path) -> None:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it (openssl)."""
    if not os.path.exists(OPENSSL):
        pytest.skip("openssl is missing: the StartTLS tests need it (apt-get install openssl)")

    def openssl(*args):
        subprocess.run([OPENSSL, *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Test CA",
            "-keyout", "ca.key", "-out", "ca.pem")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")  # fmt: skip
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "1",
            "-CAcreateserial", "-extfile", "san.cnf", "-out", "server.pem")  # fmt: skip


def slapd_available() -> bool:
    return os.path.exists(SLAPD) and (SCHEMA / "inetorgperson.schema").exists()


def require_slapd() -> None:
    if slapd_available():
        return
    message = (
        "OpenLDAP's slapd is not installed: the directory sign-in tests need it. Enable them "
        "with: DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def ldap_server(tmp_path, settings):
    """A running test directory, with the settings pointing at it (directory sign-in on)."""
    require_slapd()
    server = LdapServer(tmp_path / "ldap").start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()
