#!/usr/bin/env python3
"""Spor against DuckDB on the same synthetic registers, side by side in one run.

For each size N (decisions), the same CSV files (`spor bench generate`) go through:
  - Spor:   `spor import` (validated) into a fresh SQLite file, then `spor report --format json`
  - DuckDB: `duckdb_peer.py load` into a fresh DuckDB file, then `duckdb_peer.py report`
Each step is its own process; wall time and peak memory (max RSS) come from wait4().
REPEAT rounds, each running the four steps in turn (fresh database files for the imports);
the median over the rounds is kept, and the ratio is the median of the rounds' own ratios.

  python3 bench/run.py [--sizes 10000,100000,1000000] [--repeat 3] [--spor target/release/spor]
                       [--out docs/benchmarks.md]
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def measure(cmd, stdout=subprocess.DEVNULL):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024  # seconds, MiB


def interleaved(steps, repeat):
    """Runs `steps` (name -> (make_cmd, before)) one after the other, `repeat` rounds, so that
    Spor and DuckDB alternate and a machine that speeds up or slows down over minutes (a
    shared virtual machine does) weighs on both alike. Returns name -> (median wall, max RSS,
    walls)."""
    walls = {name: [] for name in steps}
    rss = {name: 0.0 for name in steps}
    for _ in range(repeat):
        for name, (make_cmd, before) in steps.items():
            if before:
                before()
            w, m = measure(make_cmd())
            walls[name].append(w)
            rss[name] = max(rss[name], m)
    return {name: (statistics.median(walls[name]), rss[name], walls[name]) for name in steps}


def paired_ratio(peer, ours):
    """Median over the rounds of peer time / Spor time, each round's two runs side by side."""
    return statistics.median(p / o for p, o in zip(peer[2], ours[2]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--year", type=int, default=2023)
    ap.add_argument("--spor", default=os.path.join(ROOT, "target/release/spor"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs/benchmarks.md"))
    ap.add_argument("--postgres", default=os.environ.get("SPOR_BENCH_POSTGRES_URL"),
                    help="also run Spor on this PostgreSQL database (it is emptied first)")
    args = ap.parse_args()
    import duckdb  # noqa: F401  (fail early when the peer is missing: pip install duckdb)

    rows = []
    work = tempfile.mkdtemp(prefix="spor-bench-")
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            data = os.path.join(work, f"data-{n}")
            subprocess.run([args.spor, "bench", "generate", "--decisions", str(n), "--out", data],
                           check=True, stdout=subprocess.DEVNULL)
            files = [os.path.join(data, f) for f in
                     ("identifications.csv", "assessments.csv", "hotline_calls.csv", "history.csv")]
            sdb = os.path.join(work, f"spor-{n}.db")
            ddb = os.path.join(work, f"duck-{n}.duckdb")

            def fresh(path):
                def rm():
                    for suffix in ("", "-wal", "-shm", ".wal"):
                        if os.path.exists(path + suffix):
                            os.remove(path + suffix)
                return rm

            spor_report = [args.spor, "--db", sdb, "report", "--year", str(args.year), "--format", "json"]
            peer = os.path.join(HERE, "duckdb_peer.py")
            # Each round: both imports into fresh files, then both reports on what they wrote.
            m = interleaved({
                "s_imp": (lambda: [args.spor, "--db", sdb, "import", *files], fresh(sdb)),
                "d_imp": (lambda: [sys.executable, peer, "load", data, ddb], fresh(ddb)),
                "s_rep": (lambda: spor_report, None),
                "d_rep": (lambda: [sys.executable, peer, "report", ddb, str(args.year)], None),
            }, args.repeat)
            s_imp, d_imp, s_rep, d_rep = m["s_imp"], m["d_imp"], m["s_rep"], m["d_rep"]
            row = dict(n=n, s_imp=s_imp, s_rep=s_rep, d_imp=d_imp, d_rep=d_rep)
            if args.postgres:
                def reset_pg():
                    subprocess.run(["psql", args.postgres, "-q", "-c",
                                    "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
                                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                pg = interleaved({
                    "p_imp": (lambda: [args.spor, "--db", args.postgres, "import", *files], reset_pg),
                    "p_rep": (lambda: [args.spor, "--db", args.postgres, "report", "--year",
                                       str(args.year), "--format", "json"], None),
                }, args.repeat)
                row.update(pg)
            rows.append(row)
            print(f"{n:>9} decisions: spor import {s_imp[0]:.2f}s report {s_rep[0]:.2f}s | "
                  f"duckdb load {d_imp[0]:.2f}s report {d_rep[0]:.2f}s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import duckdb
    lines = [
        "# Benchmarks",
        "",
        "Spor against DuckDB on the same synthetic registers, measured side by side in one run.",
        "",
        "Reproduce (release build, Python with `duckdb`):",
        "",
        "```sh",
        "cargo build --release -p spor && pip install duckdb",
        f"python3 bench/run.py --sizes {args.sizes} --repeat {args.repeat}" +
        (" --postgres $SPOR_BENCH_POSTGRES_URL" if args.postgres else ""),
        "```",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
        f"DuckDB {duckdb.__version__}; run on {time.strftime('%Y-%m-%d')}. "
        f"{args.repeat} rounds; in each, Spor and DuckDB run one after the other (import, load, "
        "report, report), so that a machine whose speed drifts weighs on both alike. Times are "
        "the median over the rounds; the ratio is the median of each round's own ratio; memory "
        "is the peak resident set of the process.",
        "",
        "What is measured: **import** = `spor import` of the four CSV files (every cell validated) "
        "into a fresh SQLite file, against DuckDB's `read_csv` into a fresh database file; "
        "**report** = `spor report --year 2023 --format json` (every table and fact of the overview) "
        "against the same aggregations as DuckDB SQL (`bench/duckdb_peer.py`). "
        "Each step is a separate process, start-up included on both sides.",
        "",
        "| decisions | Spor import | DuckDB load | ratio | Spor report | DuckDB report | ratio | Spor peak MiB (import / report) | DuckDB peak MiB (load / report) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['s_imp'][0]:.2f} s | {r['d_imp'][0]:.2f} s | {paired_ratio(r['d_imp'], r['s_imp']):.2f}× | "
            f"{r['s_rep'][0]:.2f} s | {r['d_rep'][0]:.2f} s | {paired_ratio(r['d_rep'], r['s_rep']):.2f}× | "
            f"{r['s_imp'][1]:.0f} / {r['s_rep'][1]:.0f} | {r['d_imp'][1]:.0f} / {r['d_rep'][1]:.0f} |")
    lines += ["", "Ratio = DuckDB time / Spor time (above 1: Spor is faster).", ""]
    if any("p_imp" in r for r in rows):
        lines += ["## PostgreSQL beside SQLite", "",
                  "| decisions | SQLite import | PostgreSQL import | SQLite report | PostgreSQL report |",
                  "|---:|---:|---:|---:|---:|"]
        for r in rows:
            if "p_imp" in r:
                lines.append(f"| {r['n']:,} | {r['s_imp'][0]:.2f} s | {r['p_imp'][0]:.2f} s | "
                             f"{r['s_rep'][0]:.2f} s | {r['p_rep'][0]:.2f} s |")
        lines.append("")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        growth = (b["s_rep"][0] / a["s_rep"][0]) / (b["n"] / a["n"])
        lines += [f"Report time from {a['n']:,} to {b['n']:,} decisions grows by "
                  f"{b['s_rep'][0] / a['s_rep'][0]:.1f}× for {b['n'] / a['n']:.0f}× the data "
                  f"({'at most linear' if growth <= 1.1 else 'faster than linear'}).", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
