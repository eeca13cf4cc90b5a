"""Signs in at /login like a browser and prints the cookies of the session it gets, as a
Cookie header value, for wrk to render signed-in pages (the privacy page).

Usage: session_cookie.py BASE EMAIL PASSWORD
"""

import http.client
import re
import sys
import urllib.parse

base, email, password = sys.argv[1:4]
parts = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(parts.hostname, parts.port)
cookies = {}


def request(method, path, body=None):
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    page = response.read().decode()
    for value in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return response.status, page


status, page = request("GET", "/login?return_to=%2Faccount")
assert status == 200, status
fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
fields.update({"email": email, "password": password})
status, _ = request("POST", "/login", urllib.parse.urlencode(fields))
assert status == 303, status
print("; ".join(f"{k}={v}" for k, v in cookies.items()))
