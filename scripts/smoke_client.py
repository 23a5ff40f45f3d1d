"""The HTTP half of scripts/smoke: a user's walk through the production stack it started.

    python scripts/smoke_client.py http://127.0.0.1:PORT USERNAME PASSWORD MANAGER

Talks to gunicorn the way nginx does (deploy/nginx/guanjia.conf): X-Forwarded-Proto: https and
X-Forwarded-For on every request, so Django sees HTTPS and sets secure cookies, which this client
keeps and sends itself (an HTTP client would not send a Secure cookie over plain http). Standard
library only. Prints what it checked; the last line is the number of the ticket it filed. Exits
non-zero at the first thing that is not as production should be.
"""

import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

READY_SECONDS = 60
TIMEOUT = 30
CLIENT_ADDRESS = "192.0.2.10"  # what nginx would pass on (TEST-NET-1), never contacted


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.origin = "https://" + urllib.parse.urlsplit(self.base).netloc
        self.cookies: dict[str, str] = {}
        self.cookie_flags: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, method: str, path: str, *, data=None, json_body=None, raw=None, headers=None):
        """`raw` is (body bytes, content type), e.g. a multipart upload."""
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_ADDRESS, **(headers or {})}
        body = None
        if raw is not None:
            body, headers["Content-Type"] = raw
        elif json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            response = self.opener.open(req, timeout=TIMEOUT)
        except urllib.error.HTTPError as error:
            response = error
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            self.cookies[name.strip()] = value
            self.cookie_flags[name.strip()] = header
        return response.status, response.headers, content


def check(condition, message: str):
    if not condition:
        print(f"smoke: FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def wait_ready(client: Client) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            status, _h, _c = client.request("GET", "/console/login/")
            if status == 200:
                return
        except OSError:
            pass
        check(time.monotonic() < deadline, f"gunicorn did not answer within {READY_SECONDS}s")
        time.sleep(0.5)


def console_login(client: Client, username: str, password: str) -> str:
    """Sign in on the console's login page as a browser would; returns the login page's HTML."""
    status, headers, content = client.request("GET", "/console/login/")
    page = content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    check(status == 200 and token and "csrftoken" in client.cookies, "login page without a CSRF token")
    check("Secure" in client.cookie_flags["csrftoken"], "the CSRF cookie is not Secure behind HTTPS")
    status, headers, _c = client.request(
        "POST",
        "/console/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Origin": client.origin, "Referer": client.origin + "/console/login/"},
    )
    check(status == 302 and "sessionid" in client.cookies, f"console login as {username} answered {status}")
    flags = client.cookie_flags["sessionid"]
    check("Secure" in flags and "HttpOnly" in flags, f"session cookie flags: {flags}")
    status, _h, content = client.request("GET", headers["Location"])
    check(status == 200 and b'action="/console/logout/"' in content, f"dashboard after login answered {status}")
    return page


def main(base: str, username: str, password: str, manager: str) -> None:
    started = time.monotonic()
    client = Client(base)
    wait_ready(client)
    print(f"smoke: gunicorn answers after {time.monotonic() - started:.1f}s")

    # DEBUG is off: an unknown page is a plain 404, not Django's technical page.
    status, _h, content = client.request("GET", "/no-such-page/")
    check(status == 404 and b"URLconf" not in content and b"Traceback" not in content, "404 page reveals DEBUG")

    # The console login: CSRF cookie and token from the form, then the session cookie.
    page = console_login(client, username, password)
    print(f"smoke: console login as {username}: session cookie Secure, HttpOnly; dashboard 200")

    # The stylesheet the page links to: collectstatic's hashed name, served by whitenoise for a year.
    css = re.search(r'href="(/static/css/console\.[0-9a-f]{12}\.css)"', page)
    check(css, "the login page does not link a hashed stylesheet (collectstatic, manifest storage)")
    status, headers, content = client.request("GET", css.group(1), headers={"Accept-Encoding": "gzip"})
    cache = headers.get("Cache-Control", "")
    check(status == 200 and "text/css" in headers.get("Content-Type", ""), f"static file answered {status}")
    check("max-age=315360000" in cache or "immutable" in cache, f"static Cache-Control: {cache!r}")
    print(f"smoke: {css.group(1)} 200 text/css, {cache}, {headers.get('Content-Encoding', 'identity')}")

    # The API: a token, the user's community, a major complaint filed (RC-7: the office manager is told).
    api = Client(base)
    status, _h, content = api.request(
        "POST", "/api/auth/token/", json_body={"username": username, "password": password}
    )
    check(status == 200, f"token answered {status}: {content[:300]!r}")
    auth = {"Authorization": "Token " + json.loads(content)["token"]}
    status, _h, content = api.request("GET", "/api/communities/", headers=auth)
    check(status == 200, f"communities answered {status}")
    listing = json.loads(content)
    communities = listing["results"] if isinstance(listing, dict) else listing
    check(communities, "the user sees no community")
    ticket = {
        "community": communities[0]["id"],
        "kind": "complaint",
        "channel": "phone",
        "severity": "major",
        "topic": "security",
        "area": "东门岗亭",
        "reporter_name": "冒烟测试",
        "description": "冒烟测试：夜间东门无人值守。",
    }
    headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    status, _h, content = api.request("POST", "/api/tickets/", json_body=ticket, headers=headers)
    check(status == 201, f"filing a ticket answered {status}: {content[:500]!r}")
    number = json.loads(content)["number"]
    print(f"smoke: API token; ticket {number} filed (major complaint, community {communities[0]['id']})")

    # The KPI page reads inside core.replica.reads(): with DATABASE_REPLICA_URL set (here to the primary
    # itself) it runs in a read-only snapshot on the replica alias, where any write would fail.
    office = Client(base)
    console_login(office, manager, password)
    status, _h, content = office.request("GET", "/console/kpis/")
    check(status == 200 and b'id="kpi-table"' in content, f"the KPI page answered {status}")
    print(f"smoke: KPI page as {manager} 200 (its reads on the replica alias, read-only)")
    print(number)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
