#!/usr/bin/env python3
"""bench/people-csv.py ROWS — writes a realistic HR file of ROWS people (ROWS >= 2200) on
standard output, in the CSV format `waymark import users` reads: 100 directors, 2,000
managers and everyone else in teams under them; person000000 is an admin, every 97th a
coach. Deterministic (fixed seed), so every run imports the same people; emails are
person<NNNNNN>@example.com.
"""
import random, sys

rows = int(sys.argv[1])
rnd = random.Random(20261201)
first = ["Ana", "Ben", "Chlo\u00e9", "Dev", "Emma", "Farah", "Georg", "Hana", "Ian", "Jos\u00e9",
         "Kai", "Lena", "Mateo", "Nia", "Owen", "Priya", "Quinn", "Ravi", "Sofia", "Tom\u00e1s",
         "Uma", "Vik", "Wen", "Xavier", "Yara", "Zo\u00eb"]
last = ["Adams", "Brown", "Chen", "D'Souza", "Evans", "Fischer", "Garc\u00eda", "Haddad", "Ito",
        "Jones", "Kowalski", "Lindqvist", "M\u00fcller", "Nguyen", "O'Connor", "Patel", "Quinn",
        "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Young", "Zhang"]
departments = ["Sales", "Customer Support", "Engineering", "Finance", "Operations",
               "Marketing", "People", "Legal", "Product", "Logistics"]
titles = ["Associate", "Specialist", "Senior Specialist", "Analyst", "Engineer", "Advisor",
          "Coordinator", "Consultant"]

directors, managers = 100, 2000
people = []  # (index, manager index or None, level)
for d in range(directors):
    people.append((d, None, 0))
for m in range(managers):
    people.append((directors + m, m % directors, 1))
for i in range(directors + managers, rows):
    people.append((i, directors + (i % managers), 2))

def email(i):
    return f"person{i:06d}@example.com"

def row(i, boss, level):
    name = f"{rnd.choice(first)} {rnd.choice(last)}"
    dept = departments[(boss if boss is not None else i) % len(departments)]
    title = ["Director", "Manager", rnd.choice(titles)][level]
    roles = "admin" if i == 0 else ("coach" if i % 97 == 0 else "")
    manager = email(boss) if boss is not None else ""
    q = '"' + name.replace('"', '""') + '"'
    return f"EMP{i:06d},{email(i)},{q},{manager},{dept},{title} {dept},{roles}\r\n"

# Output order: directors last; each manager's team grouped, with the manager after the
# team for odd-numbered managers and before it for even ones.
teams = {}
for p in people:
    if p[2] == 2:
        teams.setdefault(p[1], []).append(p)
out = sys.stdout
out.write("external_id,email,name,manager_email,department,job_title,roles\r\n")
for m in range(managers):
    mp = people[directors + m]
    if m % 2 == 0:
        out.write(row(*mp))
    for p in teams.get(directors + m, []):
        out.write(row(*p))
    if m % 2 == 1:
        out.write(row(*mp))
for d in range(directors):
    out.write(row(*people[d]))
