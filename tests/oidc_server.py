"""A real OpenID provider (the certified ``oidc-provider`` on Node.js) for the OIDC sign-in tests.

``oidc_provider`` starts ``node tests/oidc_provider/server.mjs`` on a free port with one client
(redirect URIs of the test client and, for browser tests, of the live server) and the people
below, points the ``OIDC_*`` settings at it and stops it afterwards. The people are kept in a JSON
file the provider reads again at every sign-in: ``set_groups`` and ``change`` change them between
two sign-ins. ``node_modules`` is not committed: the first run installs the locked packages with
``npm ci``. Without Node.js the tests skip with a message saying how to enable them; under CI they
fail instead.
"""

import copy
import fcntl
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from csp.constants import SELF

from sozialraum.accounts import oidc
from tests.processes import free_port, stop_process

FOLDER = Path(__file__).resolve().parent / "oidc_provider"
NODE, NPM = shutil.which("node") or "node", shutil.which("npm") or "npm"
CLIENT_ID, CLIENT_SECRET = "sozialraum", "test-client-secret-of-sufficient-length"
CALLBACK, LOGIN = "/konto/oidc/callback/", "/konto/anmelden/"
GROUP_WINNENDEN = "srt-winnenden"
# oidc-provider 9 and its jose need Node.js 20 (web crypto as a global, newer built-ins).
MIN_NODE = 20

# The provider's people: id → claims and password.
PEOPLE = {
    "anna": {
        "password": "Anna-Passwort-1",
        "name": "Anna Berger",
        "given_name": "Anna",
        "family_name": "Berger",
        "email": "anna.berger@example.org",
        "groups": [GROUP_WINNENDEN, "alle-mitarbeitenden"],
    },
    "bernd": {
        "password": "Bernd-Passwort-1",
        "name": "Bernd Özdemir",
        "given_name": "Bernd",
        "family_name": "Özdemir",
        "email": "bernd.oezdemir@example.org",
        "groups": [],
    },
}


def password_of(login: str) -> str:
    return PEOPLE[login]["password"]


@dataclass
class OidcProvider:
    folder: Path
    bases: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log: object = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def accounts_file(self) -> Path:
        return self.folder / "accounts.json"

    def start(self) -> "OidcProvider":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.accounts_file.write_text(json.dumps(PEOPLE))
        config = self.folder / "config.json"
        config.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"{base}{CALLBACK}" for base in self.bases],
                    "post_logout_redirect_uris": [f"{base}{LOGIN}" for base in self.bases],
                    "accounts_file": str(self.accounts_file),
                }
            )
        )
        self.log = (self.folder / "provider.log").open("w")
        self.process = subprocess.Popen(
            [NODE, "server.mjs", str(config)],
            cwd=FOLDER,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self._wait()
        return self

    def _wait(self) -> None:
        deadline = time.monotonic() + 20
        url = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.close()
                log = (self.folder / "provider.log").read_text()
                raise RuntimeError(f"the OpenID provider exited at start: {log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        raise RuntimeError("the OpenID provider did not start")

    def stop(self) -> None:
        stop_process(self.process)
        if self.log:
            self.log.close()

    def change(self, login: str, **values) -> None:
        """Change a person's claims (or ``disabled``) for the next sign-in."""
        people = json.loads(self.accounts_file.read_text())
        people[login].update(values)
        self.accounts_file.write_text(json.dumps(people))

    def set_groups(self, login: str, groups: list[str]) -> None:
        self.change(login, groups=groups)

    def settings(self) -> dict:
        """The OIDC_* settings for this provider (names as in sozialraum.settings)."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_RP_SCOPES": "openid email profile groups",
            "OIDC_GROUPS_CLAIM": "groups",
            "OIDC_USERNAME_CLAIM": "preferred_username",
        }


def node_modules_ready() -> None:
    """Install the locked packages once (the folder's node_modules is not committed). A file
    lock keeps two test processes (pytest-xdist) from running ``npm ci`` into one folder."""
    with open(FOLDER / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (FOLDER / "node_modules" / "oidc-provider").exists():
            return
        subprocess.run(
            [NPM, "ci", "--omit=dev", "--no-audit", "--no-fund"],
            cwd=FOLDER,
            check=True,
            capture_output=True,
            timeout=300,
        )


def node_major() -> int:
    """The major version of the installed Node.js, 0 without one."""
    if not (shutil.which("node") and shutil.which("npm")):
        return 0
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=False)
    return int(version.stdout.strip().lstrip("v").split(".")[0] or 0)


def require_node() -> None:
    if node_major() >= MIN_NODE:
        node_modules_ready()
        return
    message = (
        f"Node.js {MIN_NODE} or later (with npm) is not installed: the OpenID Connect tests run "
        "a real provider (oidc-provider 9) on it. Enable them with: apt-get install -y nodejs "
        "npm (Debian 13; on Debian 12 take Node.js 20 from NodeSource)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def oidc_provider(tmp_path, settings, request):
    """A running OpenID provider, with the settings pointing at it (OIDC sign-in on). Browser
    tests (those using ``live_server``) get the live server's URLs registered as well."""
    require_node()
    bases = ["http://testserver"]
    if "live_server" in request.fixturenames:
        bases.append(request.getfixturevalue("live_server").url)
    provider = OidcProvider(tmp_path / "oidc", bases).start()
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    # What sozialraum.settings adds for a configured issuer: sign-out may redirect there.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [SELF, provider.issuer]
    settings.CONTENT_SECURITY_POLICY = policy
    oidc.discovery.cache_clear()
    yield provider
    provider.stop()
    oidc.discovery.cache_clear()
