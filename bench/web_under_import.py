#!/usr/bin/env python3
"""Does the web application keep answering while a large import runs? (issue 25, item 5)

    cargo build --release -p spor
    python3 bench/web_under_import.py --base 100000 --decisions 1000000
    python3 bench/web_under_import.py --postgres postgres://postgres@127.0.0.1:5432/postgres

Steps: a served register of --base decisions (`spor bench generate`, imported into a fresh
SQLite file, with an analyst and a caseworker account), `spor serve` on it, one session
per role (bench/web_load.py's login). Then a prober asks for pages one after the other
(the health check, a caseworker's lists of decisions and calls, the analyst's dashboard,
each in a thread of its own) and saves a new hotline call through the caseworker form
every second, for --before seconds, during an import of
--decisions more decisions (`spor import` in its own process, into the same register, as
an operator would run it), and for --after seconds. Prints, per phase and request, how
many were made (a request is counted in the phase it began in), their latency (median,
95th percentile, longest) and how many failed (not 200 or a redirect), and how long the
import took. Nothing is asserted: a figure.
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_load  # noqa: E402  (login, request, the bench's passwords)


def spor(args, db, **kw):
    return subprocess.run([ARGS.spor, "--db", db, "--audit-key", KEY, *args], check=True, **kw)


def generate(n, seed, out):
    if not os.path.exists(out):
        spor(["bench", "generate", "--decisions", str(n), "--seed", str(seed), "--out", out],
             "/dev/null", stdout=subprocess.DEVNULL)
    return [os.path.join(out, f) for f in sorted(os.listdir(out)) if f.endswith(".csv")]


def save_call(base, cookie, n):
    """A new hotline call through the caseworker form: the page, then the post."""
    status, _, body = web_load.request(base + "/calls/new", cookie=cookie)
    if status != 200:
        return status
    token = re.search(rb'name="csrf" value="([0-9a-f]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({
        "csrf": token,
        "call_ref": f"BENCH-{os.getpid()}-{n}",
        "received_at": "2023-05-04T10:30",
        "caller_type": "citizen",
        "concerns_possible_victim": "true",
        "topic": "",
    }).encode()
    status, _, _ = web_load.request(base + "/calls/new", form, cookie)
    return status


def prober(base, cookies, phase, samples, stop, who, path):
    """Asks for one page again and again (its own thread: a page that waits does not hold
    up the others), or saves a call through the form once a second (`path` None)."""
    n = 0
    while not stop.is_set():
        ph = phase[0]
        start = time.perf_counter()
        try:
            if path is None:
                n += 1
                status = save_call(base, cookies["cw"], n)
            else:
                status, _, _ = web_load.request(base + path, cookie=cookies.get(who))
        except OSError:
            status = 0
        samples.append((ph, path or "save a call (form)", time.perf_counter() - start, status))
        time.sleep(1.0 if path is None else 0.1)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main():
    global KEY
    work = os.path.abspath(ARGS.work)
    os.makedirs(work, exist_ok=True)
    KEY = os.path.join(work, "audit.key")
    if not os.path.exists(KEY):
        subprocess.run([ARGS.spor, "audit", "key", "generate", "--out", KEY], check=True,
                       stdout=subprocess.DEVNULL)
    web_load.KEY = KEY
    web_load.ARGS = ARGS
    if ARGS.postgres:
        # A database of the bench's own on the server, made afresh.
        name = "spor_web_under_import"
        for sql in [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"']:
            subprocess.run(["psql", ARGS.postgres, "-qc", sql], check=True)
        db = ARGS.postgres.rsplit("/", 1)[0] + "/" + name
    else:
        db = os.path.join(work, "served.db")
        for f in [db, db + "-wal", db + "-shm"]:
            if os.path.exists(f):
                os.remove(f)
    base_files = generate(ARGS.base, 1, os.path.join(work, f"base-{ARGS.base}"))
    big_files = generate(ARGS.decisions, 2, os.path.join(work, f"import-{ARGS.decisions}"))
    spor(["import", *base_files], db, stdout=subprocess.DEVNULL)
    for name, role in [("an", "analyst"), ("cw", "caseworker")]:
        spor(["user", "add", name, "--role", role], db,
             input=web_load.INITIAL_PASSWORD.encode(), stdout=subprocess.DEVNULL)
    spor(["settings", "set", "second_factor_exempt", "analyst,caseworker"], db,
         stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{ARGS.port}"
    server = subprocess.Popen(
        [ARGS.spor, "--db", db, "--audit-key", KEY, "serve", "--listen",
         f"127.0.0.1:{ARGS.port}", "--secure-cookies", "never"],
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if web_load.request(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        cookies = {n: web_load.login(base, n) for n in ["an", "cw"]}
        phase = ["before"]
        samples = []
        stop = threading.Event()
        probes = [
            ("", "/healthz"),
            ("cw", "/cases"),
            ("cw", "/calls?year=2023"),
            ("an", f"/dashboard?year={ARGS.year}"),
            ("cw", None),
        ]
        threads = [threading.Thread(target=prober, args=(base, cookies, phase, samples, stop, w, p))
                   for w, p in probes]
        for t in threads:
            t.start()
        time.sleep(ARGS.before)
        phase[0] = "during"
        start = time.perf_counter()
        imp = subprocess.run([ARGS.spor, "--db", db, "--audit-key", KEY, "import", *big_files],
                             capture_output=True, text=True)
        took = time.perf_counter() - start
        phase[0] = "after"
        time.sleep(ARGS.after)
        stop.set()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait()
        if ARGS.postgres:
            subprocess.run(["psql", ARGS.postgres, "-qc",
                            'DROP DATABASE IF EXISTS "spor_web_under_import" WITH (FORCE)'])
    if imp.returncode != 0:
        sys.exit(f"the import failed: {imp.stderr}")
    print(f"\n{'PostgreSQL' if ARGS.postgres else 'SQLite'}: served register {ARGS.base:,} decisions; import of {ARGS.decisions:,} more "
          f"took {took:.1f} s (exit {imp.returncode}).\n")
    print("| phase | request | n | median | p95 | longest | failed |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for ph in ["before", "during", "after"]:
        for what in sorted({s[1] for s in samples}):
            xs = [s for s in samples if s[0] == ph and s[1] == what]
            lat = [s[2] * 1000 for s in xs]
            failed = sum(1 for s in xs if s[3] not in (200, 303))
            print(f"| {ph} | `{what}` | {len(xs)} | {pct(lat, 50):.0f} ms | {pct(lat, 95):.0f} ms "
                  f"| {max(lat) if lat else float('nan'):.0f} ms | {failed} |")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spor", default="target/release/spor")
    p.add_argument("--base", type=int, default=100_000)
    p.add_argument("--decisions", type=int, default=1_000_000)
    p.add_argument("--before", type=float, default=5)
    p.add_argument("--after", type=float, default=5)
    p.add_argument("--year", type=int, default=2023)
    p.add_argument("--port", type=int, default=8098)
    p.add_argument("--work", default="/tmp/spor-web-under-import")
    p.add_argument("--postgres", metavar="URL",
                   help="serve a PostgreSQL database made on this server "
                        "(postgres://USER@HOST/DB of an account that may create databases) "
                        "instead of an SQLite file")
    ARGS = p.parse_args()
    ARGS.spor = os.path.abspath(ARGS.spor)
    KEY = None
    main()
