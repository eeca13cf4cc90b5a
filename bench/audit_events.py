"""Writes COUNT valid, hash-chained audit events into a migrated trohet SQLite database,
computing each hash exactly as trohet does: SHA-256 over the previous hash (hex) followed
by the canonical encoding, a compact JSON array of the event's fields.

Usage: audit_events.py DATABASE COUNT
"""

import hashlib
import json
import sqlite3
import sys

database, count = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(database)
(seq, head) = db.execute("select seq, hash from chain_head where chain = 'audit'").fetchone()
details = json.dumps({"changed": ["status"]}, separators=(",", ":"))
rows = []
for n in range(seq + 1, seq + count + 1):
    event = [n, 1_790_000_000 + n, "person", f"actor-{n % 997}", "customer.updated",
             "customer", f"customer-{n % 1009}", f"customer-{n % 1009}", "success", details]
    canonical = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256((head + canonical).encode()).hexdigest()
    rows.append(event + [head, digest])
    head = digest
db.executemany(
    "insert into audit_event (seq, occurred_at, actor_kind, actor_id, action, target_kind, "
    "target_id, customer_account_id, outcome, details, prev_hash, hash) "
    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.execute("update chain_head set seq = ?, hash = ? where chain = 'audit'", (seq + count, head))
db.commit()
