"""`make ons-names`: refresh the shipped ONS local authority district names and codes.

Downloads *Local Authority Districts (December 2024) Names and Codes in the UK* from the ONS Open
Geography Portal (its ArcGIS feature service; OGL v3.0) and rewrites
`src/fingerpost/domain/data/lad-names.csv` in the ONS's own columns. Run by a person with network;
the tests never fetch. Review the diff and update the date in the folder's README.

Another release: `ONS_LAD_SERVICE=LAD_MAY_2025_UK_NC ONS_LAD_YEAR=25 make ons-names`.
"""

import csv
import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path

SERVICE = os.environ.get("ONS_LAD_SERVICE", "LAD_DEC_2024_UK_NC")
YEAR = os.environ.get("ONS_LAD_YEAR", "24")
BASE = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"
TARGET = Path(__file__).resolve().parents[1] / "src/fingerpost/domain/data/lad-names.csv"


def fetch() -> list[tuple[str, str]]:
    code, name = f"LAD{YEAR}CD", f"LAD{YEAR}NM"
    rows: list[tuple[str, str]] = []
    offset = 0
    while True:  # the service pages its answers
        query = urllib.parse.urlencode(
            {
                "where": "1=1",
                "outFields": f"{code},{name}",
                "returnGeometry": "false",
                "orderByFields": code,
                "resultOffset": offset,
                "f": "json",
            }
        )
        url = f"{BASE}/{SERVICE}/FeatureServer/0/query?{query}"
        with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - a fixed https URL
            body = json.load(answer)
        features = body.get("features", [])
        rows += [(f["attributes"][code], f["attributes"][name]) for f in features]
        if not body.get("exceededTransferLimit"):
            return rows
        offset += len(features)


def main() -> int:
    rows = fetch()
    if len(rows) < 300:  # the UK has about 360 districts: a short answer is a broken one
        sys.stderr.write(f"ons-names: only {len(rows)} rows from {SERVICE}; nothing written\n")
        return 1
    with TARGET.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["LAD24CD", "LAD24NM"])  # the columns fingerpost reads
        writer.writerows(sorted(rows))
    sys.stdout.write(f"ons-names: {len(rows)} districts from {SERVICE} written to {TARGET}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
