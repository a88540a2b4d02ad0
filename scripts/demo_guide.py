"""Print the demo's logins (bearer tokens) and a ready `curl` enquiry that returns signposts."""

import csv
import json
import shlex
import sys
from collections import defaultdict
from pathlib import Path

from fingerpost.bootstrap import bootstrap
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import AgencyKind, Role


def main(data: Path, url: str) -> None:
    fp = bootstrap()
    agencies = fp.hub.agencies()
    police = next((a for a in agencies if a.kind is AgencyKind.POLICE), agencies[0])
    council = next((a for a in agencies if a.kind is AgencyKind.SOCIAL_CARE), agencies[-1])
    users = [
        Actor("dc.jo.patel@demo.invalid", "DC Jo Patel", police.code, Role.PRACTITIONER,
              "dc.jo.patel@demo.invalid", "0161 555 0101"),
        Actor("sam.okafor@demo.invalid", "Sam Okafor", council.code, Role.PRACTITIONER,
              "sam.okafor@demo.invalid", "0161 555 0202"),
        Actor("ali.reed@demo.invalid", "Ali Reed", council.code, Role.AUDITOR, "ali.reed@demo.invalid"),
    ]
    tokens = {user.name: fp.tokens.issue(user) for user in users}

    # An enquiry from the police agency about a child registered at another agency.
    truth: dict[str, set[str]] = defaultdict(set)
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["kind"] == "register" and row["agency"] != police.code:
            truth[row["child_id"]].add(row["agency"])
    known = {r["ref"] for r in rows if r["kind"] == "enquiry" and r["agency"] == police.code
             and truth.get(r["child_id"])}
    body: dict[str, object] = {"purpose": "child protection enquiry"}
    enquiries = data / f"enquiries-{police.code}.csv"
    if enquiries.exists():
        with enquiries.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["enquiry_ref"] in known and row["date_of_birth"] and row["given_names"]:
                    body |= {k: v for k, v in row.items() if v and k != "other_names"}
                    break
    fp.close()

    print(f"\nfingerpost demo — web pages on {url}/ (sign in as a demo user at {url}/sign-in)")
    print(f"                  API on {url}/api/v1  (docs: {url}/docs)\n")
    print("Demo logins (bearer tokens, valid 12 hours):")
    for user in users:
        print(f"  {user.name} — {user.role.value}, {user.agency}\n    {tokens[user.name]}\n")
    token = tokens[users[0].name]
    print("A ready enquiry (DC Jo Patel asks about a child; invented data):")
    print(
        f"  curl -s -X POST {url}/api/v1/enquiries -H 'Authorization: Bearer {token}' "
        f"-H 'Content-Type: application/json' -d {shlex.quote(json.dumps(body))}\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
