"""Gives a person COUNT rows in a migrated trohet SQLite database: half audit events naming
them (hash-chained exactly as trohet chains them, so `trohet audit verify` still holds) and
half consent decisions under their consent subject, HMAC-SHA-256(subject key, "consent"),
each tied to one of those audit events and hashed as trohet hashes them, so `trohet audit
verify` holds.

Usage: privacy_rows.py DATABASE PERSON_ID COUNT
"""

import base64
import hashlib
import hmac
import json
import sqlite3
import sys

database, person, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(database)
key, ref = db.execute(
    "select subject_key, audit_ref from subject_key where person_id = ?", (person,)).fetchone()
padded = key + "=" * (-len(key) % 4)
subject = base64.urlsafe_b64encode(
    hmac.new(base64.urlsafe_b64decode(padded), b"consent", hashlib.sha256).digest()
).decode().rstrip("=")
purpose, version = db.execute(
    "select purpose_id, version from purpose_version where purpose_id = 'satisfaction-surveys' "
    "order by seq desc limit 1").fetchone()
(seq, head) = db.execute("select seq, hash from chain_head where chain = 'audit'").fetchone()
events, decisions = [], []
for n in range(seq + 1, seq + count // 2 + 1):
    receipt = f"r{n}"
    decision = "granted" if n % 2 else "withdrawn"
    recorded_at = 1_790_000_000 + n
    entry = [receipt, subject, purpose, version, decision, "portal_app", None, None, "en",
             recorded_at]
    entry_hash = hashlib.sha256(
        json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    details = json.dumps({"entry_hash": entry_hash, "method": "portal_app", "purpose": purpose,
                          "version": version}, separators=(",", ":"), sort_keys=True)
    event = [n, recorded_at, "person", ref, f"consent.{decision}", "consent", receipt,
             None, "success", details]
    canonical = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256((head + canonical).encode()).hexdigest()
    events.append(event + [head, digest])
    head = digest
    decisions.append((receipt, subject, purpose, version, decision, "portal_app", None, None,
                      "en", recorded_at, entry_hash, n))
db.executemany(
    "insert into audit_event (seq, occurred_at, actor_kind, actor_id, action, target_kind, "
    "target_id, customer_account_id, outcome, details, prev_hash, hash) "
    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
db.execute("update chain_head set seq = ?, hash = ? where chain = 'audit'",
           (seq + len(events), head))
db.executemany(
    "insert into consent_event (receipt_id, subject, purpose_id, purpose_version, decision, "
    "method, client_id, note, language, recorded_at, entry_hash, audit_seq) "
    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", decisions)
db.commit()
