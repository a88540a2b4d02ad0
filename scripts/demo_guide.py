"""Print the demo's addresses and logins (bearer tokens from each gateway), and a ready `curl`
enquiry that returns signposts. Usage: demo_guide.py DATA HUB_URL NAME=HOME@URL …, one NAME=…
for each gateway, the police force's named `police`."""

import csv
import json
import shlex
import sys
from collections import defaultdict
from pathlib import Path

from fingerpost.config import Settings
from fingerpost.deployables import open_gateway
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import AgencyKind, Role


def _enquiry(data: Path, police: str) -> dict[str, object]:
    """An enquiry from the police about a child the data says another agency registered."""
    truth: dict[str, set[str]] = defaultdict(set)
    with (data / "truth.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["kind"] == "register" and row["agency"] != police:
            truth[row["child_id"]].add(row["agency"])
    known = {r["ref"] for r in rows if r["kind"] == "enquiry" and r["agency"] == police
             and truth.get(r["child_id"])}  # fmt: skip
    body: dict[str, object] = {"purpose": "child protection enquiry"}
    enquiries = data / f"enquiries-{police}.csv"
    if enquiries.exists():
        with enquiries.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["enquiry_ref"] in known and row["date_of_birth"] and row["given_names"]:
                    return body | {k: v for k, v in row.items() if v and k != "other_names"}
    return body


def main(data: Path, hub_url: str, gateways: dict[str, tuple[Path, str]]) -> None:
    police_home, police_url = gateways["police"]
    council_name = next(name for name in gateways if name != "police")
    council_home, council_url = gateways[council_name]
    police_fp = open_gateway(Settings(home=police_home), create=False)
    council_fp = open_gateway(Settings(home=council_home), create=False)
    agencies = council_fp.hub.agencies()
    police = next(a for a in agencies if a.kind is AgencyKind.POLICE)
    council = next(a for a in agencies if a.kind is AgencyKind.SOCIAL_CARE)
    users = [
        (police_fp, police_url, Actor("dc.jo.patel@demo.invalid", "DC Jo Patel", police.code,
                                      Role.PRACTITIONER, "dc.jo.patel@demo.invalid",
                                      "0161 555 0101", strong_auth=True)),
        (council_fp, council_url, Actor("sam.okafor@demo.invalid", "Sam Okafor", council.code,
                                        Role.PRACTITIONER, "sam.okafor@demo.invalid",
                                        "0161 555 0202", strong_auth=True)),
        (council_fp, council_url, Actor("ali.reed@demo.invalid", "Ali Reed", council.code,
                                        Role.AUDITOR, "ali.reed@demo.invalid", strong_auth=True)),
    ]  # fmt: skip
    tokens = [(url, user, fp.tokens.issue(user)) for fp, url, user in users]
    body = _enquiry(data, police.code)
    police_fp.close()
    council_fp.close()

    print(f"\nfingerpost demo — the {council_name} gateway: web pages on {council_url}/")
    print(f"                  the police gateway: web pages on {police_url}/")
    print(f"                  (sign in as a demo user at /sign-in; API docs at /docs)")
    print(f"                  the national hub (no pages, no names): {hub_url}/healthz\n")
    print("Demo logins (bearer tokens, valid 12 hours; each for its own gateway's /api/v1):")
    for url, user, token in tokens:
        print(f"  {user.name} — {user.role.value}, {user.agency}, at {url}\n    {token}\n")
    url, _, token = tokens[0]
    print("A ready enquiry (DC Jo Patel asks the police gateway about a child; invented data):")
    print(
        f"  curl -s -X POST {url}/api/v1/enquiries -H 'Authorization: Bearer {token}' "
        f"-H 'Content-Type: application/json' -d {shlex.quote(json.dumps(body))}\n"
    )


if __name__ == "__main__":
    named = dict(arg.split("=", 1) for arg in sys.argv[3:])
    main(
        Path(sys.argv[1]),
        sys.argv[2],
        {name: (Path(spec.split("@", 1)[0]), spec.split("@", 1)[1]) for name, spec in named.items()},
    )
