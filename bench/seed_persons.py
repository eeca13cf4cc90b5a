"""Adds COUNT persons with plausible names and addresses to a migrated trohet SQLite
database, spread over 200 customer accounts, for the person-search benchmark. (Through
the API this would take minutes; the search reads the same rows either way.)

Usage: seed_persons.py DATABASE COUNT
"""

import sqlite3
import sys

database, count = sys.argv[1], int(sys.argv[2])
first = ["Anna", "Bo", "Carl", "Dana", "Erik", "Frida", "Gustav", "Hanna", "Ingrid", "Johan",
         "Karin", "Lars", "Maria", "Nils", "Olle", "Per", "Rut", "Sara", "Tove", "Ulf"]
last = ["Andersson", "Berg", "Carlsson", "Dahl", "Ek", "Forsberg", "Gran", "Holm", "Isaksson",
        "Jansson", "Karlsson", "Lind", "Magnusson", "Nyberg", "Olsson", "Persson", "Ros",
        "Svensson", "Thorén", "Udd"]
db = sqlite3.connect(database)
accounts = [f"00000000-0000-7000-8000-bench{n:07d}" for n in range(200)]
db.executemany(
    "insert into customer_account (customer_account_id, name, name_normalized, status, created_at) "
    "values (?, ?, lower(?), 'active', 0)",
    [(a, f"Bench Customer {n}", f"Bench Customer {n}") for n, a in enumerate(accounts)])
people, memberships = [], []
for n in range(count):
    name = f"{first[n % 20]} {last[(n // 20) % 20]}"
    email = f"{first[n % 20].lower()}.{last[(n // 20) % 20].lower()}.{n}@customer{n % 200}.example"
    person_id = f"00000000-0000-7000-9000-{n:012d}"
    people.append((person_id, email, email, name, name.lower()))
    memberships.append((person_id, accounts[n % 200]))
db.executemany(
    "insert into person (person_id, email, email_normalized, display_name, name_normalized, locale, "
    "kind, status, created_at) values (?, ?, ?, ?, ?, 'sv', 'customer', 'active', 0)", people)
db.executemany(
    "insert into membership (person_id, customer_account_id, created_at) values (?, ?, 0)",
    memberships)
db.executemany(
    "insert into membership_role (person_id, customer_account_id, role) values (?, ?, 'member')",
    memberships)
db.commit()
