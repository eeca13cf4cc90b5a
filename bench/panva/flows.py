"""Full login flows against bench/panva/server.mjs, adapted from bench/login_flows.py:
GET /auth (PKCE S256) -> GET /interaction/UID (login form) -> POST /interaction/UID/login
(Argon2id; consent granted with the login) -> GET /auth/UID (resume) -> code at the
redirect URI -> POST /token. The same five requests as trohet's flow. Each flow uses a
fresh cookie jar (a new browser), so each one verifies a password.

Usage:
  flows.py bench  BASE CLIENT_ID CLIENT_SECRET REDIRECT_URI EMAIL PASSWORD WORKERS SECONDS
      scope "openid profile" as login_flows.py; prints one JSON object: flows, seconds,
      flows_per_sec, p50_ms, p99_ms, errors.
  flows.py tokens BASE CLIENT_ID CLIENT_SECRET REDIRECT_URI EMAIL PASSWORD COUNT
      COUNT flows with offline_access (and prompt=consent, which oidc-provider requires
      for it), each its own grant; prints one refresh token per line.
"""

import base64
import hashlib
import json
import http.client
import re
import secrets
import sys
import threading
import time
import urllib.parse

mode = sys.argv[1]
base, client_id, secret, redirect_uri, email, password = sys.argv[2:8]
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
basic = base64.b64encode(
    f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}".encode()
).decode()


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


def local(location):
    """oidc-provider redirects to absolute URLs on the issuer; keep the path and query."""
    return location[len(base):] if location.startswith(base) else location


def flow(conn, scope, extra=None):
    """One browser login; returns the token response."""
    cookies = {}
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = "/auth?" + urllib.parse.urlencode(
        {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
         "scope": scope, "state": "s", "nonce": "n", "code_challenge": challenge,
         "code_challenge_method": "S256", **(extra or {})})
    status, location, _ = request(conn, "GET", authorize, cookies)
    assert status == 303 and "/interaction/" in location, (status, location)
    status, _, page = request(conn, "GET", local(location), cookies)
    assert status == 200, status
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": email, "password": password})
    status, location, _ = request(conn, "POST", action, cookies, form)
    assert status == 303, (status, location)
    status, location, _ = request(conn, "GET", local(location), cookies)
    assert status == 303 and location.startswith(redirect_uri), (status, location)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    token = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": redirect_uri, "code_verifier": verifier})
    status, _, body = request(conn, "POST", "/token", {}, token, {"Authorization": f"Basic {basic}"})
    assert status == 200 and "id_token" in body, (status, body[:200])
    return json.loads(body)


if mode == "tokens":
    conn = http.client.HTTPConnection(host, port, timeout=30)
    for _ in range(int(sys.argv[8])):
        print(flow(conn, "openid profile email offline_access", {"prompt": "consent"})["refresh_token"])
    sys.exit(0)

assert mode == "bench", f"unknown mode {mode}"
workers, seconds = int(sys.argv[8]), float(sys.argv[9])
durations, errors, lock = [], [0], threading.Lock()


def worker(deadline):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            flow(conn, "openid profile")
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
