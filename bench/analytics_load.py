"""Helpers of bench/analytics.sh, talking to a running trohet over HTTP only.

  seed BASE TOKEN CUSTOMERS_FILE PEOPLE OUT
      Creates PEOPLE people through the admin API (no password: no Argon2 in the way),
      spread over the customer accounts listed in CUSTOMERS_FILE (one id a line), makes
      each a member and records `portal-analytics` and `satisfaction-surveys` as granted
      by staff, as a signed form would be; writes "person customer" lines to OUT.
  ingest BASE TOKEN PEOPLE_FILE SECONDS WORKERS
      POSTs batches of 1,000 mixed events (feature use, likes, ratings, cases, news) from
      WORKERS threads for SECONDS; every event has a fresh idempotency key. Prints
      "accepted seconds batches p50_ms p95_ms".
  latency BASE TOKEN COUNT PATH...
      GETs each PATH in turn, COUNT requests in all (after one unmeasured pass), and prints
      "p50_ms p95_ms max_ms".
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def connection(base):
    url = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=120)


def call(conn, token, method, path, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        body = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return data


def seed(base, token, customers_file, people, out):
    customers = [line.strip() for line in open(customers_file) if line.strip()]
    local = threading.local()

    def one(n):
        if not hasattr(local, "conn"):
            local.conn = connection(base)
        conn, customer = local.conn, customers[n % len(customers)]
        body = {"email": f"rater{n}@bench.example", "name": f"Rater {n}", "locale": "en"}
        person = json.loads(call(conn, token, "POST", "/api/v1/persons", body))["id"]
        call(conn, token, "PUT", f"/api/v1/customers/{customer}/members/{person}", {"roles": ["member"]})
        for purpose in ("portal-analytics", "satisfaction-surveys"):
            decision = {"purpose": purpose, "decision": "granted", "note": "signed form", "language": "en"}
            call(conn, token, "POST", f"/api/v1/persons/{person}/consents", decision)
        return f"{person} {customer}"

    with ThreadPoolExecutor(8) as pool:
        lines = list(pool.map(one, range(people)))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


FEATURES = ["news.read", "catalog.searched", "order.tracked", "delivery.tracked",
            "invoice.viewed", "order.placed", "document.downloaded"]


def template(people, seed, now):
    """One batch of 1,000 events whose keys hold `@@`, replaced per request."""
    events = []
    for i in range(1000):
        person, customer = people[(seed * 1000 + i * 7) % len(people)]
        # Up to 11 hours back: what a portal app sends of the day so far.
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - (i * 37 + seed * 101)))
        event = {"idempotency_key": f"@@-{i}", "customer_id": customer, "occurred_at": at}
        kind = i % 20
        if kind < 14:
            event.update(type="feature_used", sub=person, feature=FEATURES[(i + seed) % len(FEATURES)])
        elif kind < 16:
            event.update(type="social", sub=person, action="like" if i % 3 else "comment")
        elif kind == 16:
            event.update(type="rating", sub=person, kind="csat", score=1 + (i + seed) % 5, touchpoint="delivery")
        elif kind == 17:
            event.update(type="rating", sub=person, kind="nps", score=(i * 3 + seed) % 11, touchpoint="relationship")
        elif kind == 18:
            event.update(type="case_opened", case_id=f"@@-c{i}")
        else:
            event.update(type="news_published", item_id=f"n{i}")
        events.append(event)
    return json.dumps({"events": events}).encode()


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0


def ingest(base, token, people_file, seconds, workers):
    people = [tuple(line.split()) for line in open(people_file) if line.strip()]
    now = int(time.time())
    templates = [template(people, seed, now) for seed in range(16)]
    accepted, latencies, lock = [0], [], threading.Lock()
    deadline = time.time() + seconds

    def worker(w):
        conn, n, mine, times = connection(base), 0, 0, []
        while time.time() < deadline:
            body = templates[(w + n) % len(templates)].replace(b"@@", f"{w}-{n}".encode())
            started = time.perf_counter()
            report = json.loads(call(conn, token, "POST", "/api/v1/events", body))
            times.append((time.perf_counter() - started) * 1000)
            if report["rejected"] or report["dropped_no_consent"]:
                raise SystemExit(f"events refused or dropped: {json.dumps(report)[:500]}")
            mine += report["accepted"]
            n += 1
        with lock:
            accepted[0] += mine
            latencies.extend(times)

    started = time.time()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    print(f"{accepted[0]} {elapsed:.2f} {len(latencies)} {percentile(latencies, 0.5):.1f} {percentile(latencies, 0.95):.1f}")


def latency(base, token, count, paths):
    conn = connection(base)
    for path in paths:
        call(conn, token, "GET", path)
    times = []
    for n in range(count):
        started = time.perf_counter()
        call(conn, token, "GET", paths[n % len(paths)])
        times.append((time.perf_counter() - started) * 1000)
    print(f"{percentile(times, 0.5):.1f} {percentile(times, 0.95):.1f} {max(times):.1f}")


if __name__ == "__main__":
    command, base, token = sys.argv[1], sys.argv[2], sys.argv[3]
    if command == "seed":
        seed(base, token, sys.argv[4], int(sys.argv[5]), sys.argv[6])
    elif command == "ingest":
        ingest(base, token, sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
    elif command == "latency":
        latency(base, token, int(sys.argv[4]), sys.argv[5:])
    else:
        raise SystemExit(f"unknown command {command}")
