"""Benchmarks at clinic-network scale, in one command.

    python -m bench              # full: 1k, 10k and 100k patients on PostgreSQL (< 15 min once built)
    python -m bench --quick      # 100 and 1,000 patients (< 2 min)
    python -m bench --db sqlite  # the same on SQLite files under var/bench/
    python -m bench --rebuild    # build the data again even if it is there

For each size it builds the network (``scarclinic.web.demo_network``, bulk inserts; kept
between runs in its own database, ``bench_1k``/``bench_10k``/``bench_100k``, and built again
when the builder changed), renders each page once in-process to count its queries and
record its SQL for the floor (bench/prepare.py), then starts gunicorn on loopback with
bench/settings.py and measures each page and its floor (the same SQL, a minimal response)
alternately: p50, p95 and ours / floor. At the largest size it also runs the 50-user load
test (bench/locustfile.py) and, when they exist, bench/analytics.py and bench/fhir_export.py.

Prints Markdown tables and writes JSON to var/bench/ (``latest.json`` and a dated copy).
Figures only: nothing here asserts a time."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
SIZES = {"full": [1_000, 10_000, 100_000], "quick": [100, 1_000]}
GROWTH_PAGES = ("search", "chart")
PG_ADMIN = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TARGET_RATIO = 2.0


def _label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 else str(size)


def _fingerprint() -> str:
    """Data built by another version of the builder is built again."""
    digest = hashlib.sha256()
    digest.update((ROOT / "src/scarclinic/web/demo_network.py").read_bytes())
    return digest.hexdigest()[:16]


def _pg(sql: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(f"{PG_ADMIN}/{dbname}", autocommit=True) as conn:
        cursor = conn.execute(sql)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def _database(kind: str, size: int, rebuild: bool) -> tuple[str, bool]:
    """The database URL for a size, and whether its data has to be built (the database is
    then empty)."""
    state_file = OUT / "datasets.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    name = f"bench_{_label(size)}"
    key = f"{kind}:{name}"
    fresh = state.get(key, {}).get("fingerprint") == _fingerprint() and not rebuild
    if kind == "sqlite":
        path = OUT / f"{name}.sqlite3"
        if fresh and path.exists():
            return f"sqlite:///{path}", False
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", True
    exists = bool(_pg(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))
    if fresh and exists:
        return f"{PG_ADMIN}/{name}", False
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN}/{name}", True


def _remember(kind: str, size: int, build: dict[str, Any]) -> None:
    state_file = OUT / "datasets.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    state[f"{kind}:bench_{_label(size)}"] = {
        "fingerprint": _fingerprint(),
        "patients": size,
        "built_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "build": build,
    }
    state_file.write_text(json.dumps(state, indent=1))


def _env(url: str, floor_dir: Path) -> dict[str, str]:
    return dict(os.environ) | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_FLOOR_DIR": str(floor_dir),
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "DEBUG": "0",
        "REQUIRE_STAFF_2FA": "0",  # the second factor is tested on its own (accounts/tests)
        "AXES_FAILURE_LIMIT": "100000",
        "CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }


def prepare(kind: str, size: int, rebuild: bool) -> dict[str, Any]:
    url, build = _database(kind, size, rebuild)
    floor_dir = OUT / "floor" / f"{kind}-{_label(size)}"
    out = OUT / f"prepare-{kind}-{_label(size)}.json"
    command = [sys.executable, "-m", "bench.prepare", "--floor-dir", str(floor_dir)]
    command += ["--out", str(out)] + (["--build", str(size)] if build else [])
    print(f"{_label(size)} patients: {'building' if build else 'reusing'} {url}", flush=True)
    subprocess.run(
        command, cwd=ROOT, env=_env(url, floor_dir), check=True, stdout=subprocess.DEVNULL
    )
    result = json.loads(out.read_text())
    if build:
        _remember(kind, size, result["build"])
    else:
        state = json.loads((OUT / "datasets.json").read_text())
        result["build"] = state[f"{kind}:bench_{_label(size)}"]["build"] | {"reused": True}
    result |= {"url": url, "floor_dir": str(floor_dir), "size": size}
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn on loopback: 2 workers x 4 threads (the machine has 2 cores)."""

    def __init__(self, url: str, floor_dir: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (OUT / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "scarclinic.config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                os.environ.get("BENCH_WORKERS", "2"),
                "--threads",
                "4",
                "--timeout",
                "120",
                "--keep-alive",
                "75",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=_env(url, Path(floor_dir)),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).ok:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {OUT / 'gunicorn.log'}")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()

    def login(self, username: str) -> requests.Session:
        session = requests.Session()
        session.get(f"{self.base}/login/", timeout=30)
        response = session.post(
            f"{self.base}/login/",
            data={
                "username": username,
                "password": "scarclinic-demo",
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            },
            timeout=30,
        )
        response.raise_for_status()
        if "sessionid" not in session.cookies:
            raise RuntimeError(f"could not sign in as {username}")
        return session


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(server: Server, pages: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """Each page and its floor, alternately (so both see the same load), after two warm-ups."""
    sessions: dict[str, requests.Session] = {}
    results = {}
    for page in pages:
        if page.get("status") != 200:
            results[page["name"]] = {"error": f"status {page.get('status')}"}
            continue
        session = sessions.get(page["user"]) or sessions.setdefault(
            page["user"], server.login(page["user"])
        )
        urls = {
            "ours": server.base + page["url"],
            "floor": f"{server.base}/__floor__/{page['name']}/",
        }
        times: dict[str, list[float]] = {"ours": [], "floor": []}
        statuses: set[int] = set()
        for i in range(n + 2):
            for which, url in urls.items():
                started = time.perf_counter()
                response = session.get(url, timeout=120)
                elapsed = (time.perf_counter() - started) * 1000
                statuses.add(response.status_code)
                if i >= 2:
                    times[which].append(elapsed)
        row: dict[str, Any] = {"statuses": sorted(statuses), "n": n}
        for which, values in times.items():
            row[f"{which}_p50"] = round(statistics.median(values), 1)
            row[f"{which}_p95"] = round(_pct(values, 0.95), 1)
        row["ratio_p50"] = round(row["ours_p50"] / row["floor_p50"], 2)
        row["ratio_p95"] = round(row["ours_p95"] / row["floor_p95"], 2)
        results[page["name"]] = row
    return results


def load_test(server: Server, patient_ids: list[int], users: int, seconds: int) -> dict[str, Any]:
    prefix = OUT / "locust"
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 2)),
        "-t",
        f"{seconds}s",
        "--host",
        server.base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    session = server.login("physician")
    env = dict(os.environ) | {
        "BENCH_PATIENT_IDS": ",".join(map(str, patient_ids)),
        "BENCH_SESSIONID": session.cookies["sessionid"],
    }
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        return {"error": (completed.stderr or completed.stdout)[-500:]}
    rows = list(csv.DictReader(stats.open()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {
        "users": users,
        "seconds": seconds,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "by_name": {
            r["Name"]: {"requests": int(r["Request Count"]), "p95_ms": float(r["95%"])}
            for r in rows
            if r["Name"] != "Aggregated"
        },
    }


def other_scripts(kind: str, main_url: str, quick: bool) -> dict[str, Any]:
    """The analytics and FHIR export benchmarks of their own apps, when they exist.

    bench/analytics.py builds clinics of its own (BENCH1000, ...) and keeps them, so it gets
    a database of its own (bench_analytics), not the network's; bench/fhir_export.py reads
    the network's largest database."""
    results: dict[str, Any] = {}
    if kind == "postgres":
        if not _pg("SELECT 1 FROM pg_database WHERE datname = 'bench_analytics'"):
            _pg('CREATE DATABASE "bench_analytics"')
        analytics_url = f"{PG_ADMIN}/bench_analytics"
    else:
        analytics_url = f"sqlite:///{OUT / 'bench_analytics.sqlite3'}"
    runs = {
        "analytics": (
            analytics_url,
            ["--sizes", "100" if quick else "1000,10000,100000"],
            True,
        ),
        "fhir_export": (main_url, ["--sizes", "1000,3000"] if quick else [], False),
    }
    for name, (url, arguments, migrate) in runs.items():
        script = ROOT / "bench" / f"{name}.py"
        if not script.exists():
            results[name] = {"status": "not built"}
            continue
        env = _env(url, OUT / "floor") | {"DJANGO_SETTINGS_MODULE": "scarclinic.config.settings"}
        started = time.perf_counter()
        timeout = 60 if quick else 600
        try:
            if migrate:
                subprocess.run(
                    [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    timeout=timeout,
                )
            done = subprocess.run(
                [sys.executable, str(script), *arguments],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            output, code = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired:
            output, code = f"timed out after {timeout} s", -1
        except subprocess.CalledProcessError as error:
            output, code = f"migrate failed: {error}", -1
        results[name] = {
            "exit": code,
            "seconds": round(time.perf_counter() - started, 1),
            "output": output[-3000:],
        }
    return results


def machine(kind: str, url: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("\n")[0].split()[1])
        info["ram_gb"] = round(kb / 1024 / 1024, 1)
    if kind == "postgres":
        info["postgresql"] = _pg("SHOW server_version")[0][0]
    else:
        import sqlite3

        info["sqlite"] = sqlite3.sqlite_version
    del url
    return info


def _fmt(value: Any) -> str:
    return "–" if value is None else str(value)


def report(result: dict[str, Any]) -> str:
    sizes = result["sizes"]
    main, small = sizes[-1], sizes[0]
    prepared = result["prepared"]
    lines = [f"## scarclinic bench ({result['mode']}, {result['db']}) {result['started']}", ""]
    m = result["machine"]
    lines.append(
        f"Machine: {m['nproc']} cores, {m.get('ram_gb', '?')} GB RAM, "
        f"{'PostgreSQL ' + m['postgresql'] if 'postgresql' in m else 'SQLite ' + m.get('sqlite', '')}, "
        f"Python {m['python']}; load average at start {m['load_average'][0]:.1f}, "
        f"at end {result['load_average_end'][0]:.1f}."
    )
    lines += ["", "### Data (bulk inserts)", ""]
    lines.append("| patients | clinics | assessments | procedures | cell products | built in |")
    lines.append("|---:|---:|---:|---:|---:|---|")
    for size in sizes:
        build = prepared[str(size)]["build"]
        counts = build["counts"]
        when = f"{build['seconds']} s" + (" (reused)" if build.get("reused") else "")
        lines.append(
            f"| {counts['patients']:,} | {counts['clinics']} | {counts['assessments']:,} | "
            f"{counts['procedures']:,} | {counts['products']:,} | {when} |"
        )
    lines += ["", f"### Pages at {main:,} patients: ours vs the floor (ms)", ""]
    lines.append(
        f"| page | queries @{_label(small)} | queries @{_label(main)} | ours p50 | ours p95 | "
        "floor p50 | floor p95 | ratio p50 | ratio p95 | ≤ 2 |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|")
    small_pages = {p["name"]: p for p in prepared[str(small)]["pages"]}
    for page in prepared[str(main)]["pages"]:
        row = result["pages"].get(page["name"], {})
        q_small = small_pages.get(page["name"], {}).get("queries")
        if "error" in row:
            lines.append(f"| {page['label']} | {_fmt(q_small)} | – | {row['error']} ||||||| |")
            continue
        ok = "yes" if row["ratio_p50"] <= TARGET_RATIO else "**no**"
        lines.append(
            f"| {page['label']} | {_fmt(q_small)} | {page['queries']} | {row['ours_p50']} | "
            f"{row['ours_p95']} | {row['floor_p50']} | {row['floor_p95']} | {row['ratio_p50']} | "
            f"{row['ratio_p95']} | {ok} |"
        )
    if "analytics" not in {p["name"] for p in prepared[str(main)]["pages"]}:
        lines.append("| director's analytics | not built |||||||||")
    lines += ["", "### Growth: p50 ms by number of patients", ""]
    lines.append("| page | " + " | ".join(_label(s) for s in sizes) + " |")
    lines.append("|---|" + "---:|" * len(sizes))
    for name in GROWTH_PAGES:
        cells = [
            _fmt(result["growth"].get(str(s), {}).get(name, {}).get("ours_p50")) for s in sizes
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    load = result.get("load")
    if load:
        lines += ["", f"### Load: {load.get('users')} users for {load.get('seconds')} s", ""]
        if "error" in load:
            lines.append(f"locust failed: {load['error']}")
        else:
            lines.append("| requests | requests/s | p50 ms | p95 ms | errors |")
            lines.append("|---:|---:|---:|---:|---:|")
            lines.append(
                f"| {load['requests']:,} | {load['rps']} | {load['p50_ms']} | {load['p95_ms']} | "
                f"{load['errors']} |"
            )
    lines += ["", "### Other benchmarks (their own scripts)", ""]
    for name, other in result["others"].items():
        if other.get("status") == "not built":
            lines.append(f"- {name}: not built")
        else:
            # Their figures, without the request log lines of the page they time.
            kept = [
                line
                for line in other["output"].strip().splitlines()
                if not line.startswith(("GET ", "POST "))
            ]
            tail = "\n".join(kept[-12:])
            lines.append(f"- {name} (exit {other['exit']}, {other['seconds']} s):")
            lines.append("")
            lines.append("```")
            lines.append(tail)
            lines.append("```")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 patients")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--requests", type=int, help="requests per page (15 quick, 40 full)")
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument("--load-seconds", type=int, help="load test length (20 quick, 60 full)")
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument(
        "--no-others", action="store_true", help="skip bench/analytics.py and bench/fhir_export.py"
    )
    parser.add_argument(
        "--data-only", action="store_true", help="build the data and count queries; no timing"
    )
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    sizes = SIZES[mode]
    n = args.requests or (15 if args.quick else 40)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "mode": mode,
        "db": args.db,
        "started": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "sizes": sizes,
        "machine": machine(args.db, ""),
        "prepared": {},
        "growth": {},
    }
    for size in sizes:
        result["prepared"][str(size)] = prepare(args.db, size, args.rebuild)
    if args.data_only:
        for size in sizes:
            build = result["prepared"][str(size)]["build"]
            print(f"{_label(size)}: {build['counts']} built in {build['seconds']} s")
        return 0
    for size in sizes:
        prepared = result["prepared"][str(size)]
        server = Server(prepared["url"], prepared["floor_dir"])
        try:
            if size == sizes[-1]:
                print(f"measuring every page at {_label(size)} patients", flush=True)
                result["pages"] = measure(server, prepared["pages"], n)
                result["growth"][str(size)] = {
                    k: v for k, v in result["pages"].items() if k in GROWTH_PAGES
                }
                if not args.no_load:
                    seconds = args.load_seconds or (20 if args.quick else 60)
                    print(f"load test: {args.users} users, {seconds} s", flush=True)
                    result["load"] = load_test(server, prepared["patient_ids"], args.users, seconds)
            else:
                print(f"measuring search and chart at {_label(size)} patients", flush=True)
                growth_pages = [p for p in prepared["pages"] if p["name"] in GROWTH_PAGES]
                result["growth"][str(size)] = measure(server, growth_pages, n)
        finally:
            server.stop()
    result["others"] = {}
    if not args.no_others:
        print("analytics and FHIR export scripts", flush=True)
        main_url = result["prepared"][str(sizes[-1])]["url"]
        result["others"] = other_scripts(args.db, main_url, args.quick)
    result["load_average_end"] = os.getloadavg()
    result["seconds"] = round(time.perf_counter() - started, 1)
    text = report(result) + f"\nWhole run: {result['seconds']} s.\n"
    print()
    print(text)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    latest = f"latest-{mode}" + ("" if args.db == "postgres" else f"-{args.db}")
    for path in (OUT / f"bench-{mode}-{args.db}-{stamp}.json", OUT / f"{latest}.json"):
        path.write_text(json.dumps(result, indent=1, default=str))
    (OUT / f"{latest}.md").write_text(text)
    print(f"JSON: {OUT / f'{latest}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
