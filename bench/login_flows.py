"""Full login flows against a running trohet, as browsers and a portal app make them:
GET /authorize -> GET /login -> POST /login (CSRF) -> /authorize/continue -> code at the
redirect URI -> POST /token. Each flow uses a fresh cookie jar (a new browser), so each
one verifies a password with Argon2id.

Usage: login_flows.py BASE CLIENT_ID CLIENT_SECRET REDIRECT_URI EMAIL PASSWORD WORKERS SECONDS
Prints one JSON object: flows, seconds, flows_per_sec, p50_ms, p99_ms, errors.
"""

import base64
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse

base, client_id, secret, redirect_uri, email, password = sys.argv[1:7]
workers, seconds = int(sys.argv[7]), float(sys.argv[8])
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
basic = base64.b64encode(
    f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}".encode()
).decode()
authorize = "/authorize?" + urllib.parse.urlencode(
    {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
     "scope": "openid profile", "state": "s", "nonce": "n"})

durations, errors, lock = [], [0], threading.Lock()


def request(conn, method, path, cookies, body=None, headers=None):
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    for value in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return response.status, response.headers.get("Location", ""), data.decode()


def field(page, name):
    match = re.search(f'name="{name}" value="([^"]*)"', page)
    return match.group(1) if match else ""


def flow(conn):
    cookies = {}
    status, location, _ = request(conn, "GET", authorize, cookies)
    assert status == 303 and location.startswith("/login"), (status, location)
    status, _, page = request(conn, "GET", location, cookies)
    assert status == 200, status
    form = urllib.parse.urlencode({"csrf": field(page, "csrf"), "auth": field(page, "auth"),
                                   "email": email, "password": password})
    status, location, _ = request(conn, "POST", "/login", cookies, form)
    assert status == 303, (status, location)
    status, location, _ = request(conn, "GET", location, cookies)
    assert status == 303 and location.startswith(redirect_uri), (status, location)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    token = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": redirect_uri})
    status, _, body = request(conn, "POST", "/token", {}, token, {"Authorization": f"Basic {basic}"})
    assert status == 200 and "id_token" in body, (status, body[:200])


def worker(deadline):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            flow(conn)
        except Exception as error:  # counted, and the connection starts afresh
            with lock:
                errors[0] += 1
            print(f"flow failed: {error!r}", file=sys.stderr)
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        with lock:
            durations.append(time.monotonic() - started)


start = time.monotonic()
deadline = start + seconds
threads = [threading.Thread(target=worker, args=(deadline,)) for _ in range(workers)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - start
durations.sort()
pick = lambda q: round(1000 * durations[min(len(durations) - 1, int(q * len(durations)))], 1) if durations else 0
print(json.dumps({"flows": len(durations), "seconds": round(elapsed, 2),
                  "flows_per_sec": round(len(durations) / elapsed, 1),
                  "p50_ms": pick(0.5), "p99_ms": pick(0.99), "errors": errors[0]}))
