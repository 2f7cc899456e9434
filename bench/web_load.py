#!/usr/bin/env python3
"""The web application under load: `spor serve` on a synthetic register of N decisions,
many logged-in analysts and caseworkers at once, measured with wrk.

    cargo build --release -p spor && apt-get install wrk
    python3 bench/web_load.py --decisions 1000000 --sessions 50 --seconds 20

Steps: generate the register (`spor bench generate`) and import it into a fresh SQLite
file (kept in --work for later runs), add an analyst and a caseworker account, start
`spor serve`, log in --sessions times as each (every session its own cookie), time the
first request of each page (the figures computed once for the register's state), then
run wrk against each page with --sessions connections, each request carrying the next
session's cookie. Prints a Markdown table: requests per second, latency percentiles, and
the server's peak resident memory (VmHWM) after all runs.
"""

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "load-test-password-1"
INITIAL_PASSWORD = "set-by-the-command-line-7"
KEY = None  # the audit key file, in --work


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def spor(args, db, **kw):
    return run([ARGS.spor, "--db", db, "--audit-key", KEY, *args], **kw)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(url, data=None, cookie=None):
    req = urllib.request.Request(url, data=data)
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with OPENER.open(req, timeout=600) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def login(base, name, password=None):
    """A session of `name` (its cookie). An account still carrying the password the command
    line set changes it first, as its user must at the first login."""
    status, headers, body = request(base + "/login")
    csrf_cookie = next(
        c.split(";")[0]
        for c in headers.get_all("Set-Cookie")
        if c.startswith("spor_login_csrf=")
    )
    token = re.search(rb'name="csrf" value="([0-9a-f]+)"', body).group(1).decode()
    form = urllib.parse.urlencode(
        {"csrf": token, "next": "/", "name": name, "password": password or PASSWORD}
    ).encode()
    status, headers, _ = request(base + "/login", form, csrf_cookie)
    if status != 303:
        if password is None:
            return login(base, name, INITIAL_PASSWORD)
        sys.exit(f"login as {name} failed: HTTP {status}")
    cookie = next(
        (c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("spor_session=")),
        None,
    )
    if cookie is None:
        sys.exit("no session cookie")
    if headers.get("Location", "").startswith("/account/password"):
        _, _, body = request(base + "/account/password", cookie=cookie)
        token = re.search(rb'name="csrf" value="([0-9a-f]+)"', body).group(1).decode()
        form = urllib.parse.urlencode(
            {"csrf": token, "current": password, "new": PASSWORD, "repeat": PASSWORD}
        ).encode()
        status, headers, _ = request(base + "/account/password", form, cookie)
        if status != 303:
            sys.exit(f"password change of {name} failed: HTTP {status}")
        return login(base, name)
    return cookie


LUA = """
local cookies = {}
for line in io.lines("%s") do cookies[#cookies + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", nil, { ["Cookie"] = cookies[(n %% #cookies) + 1] })
end
"""


def wrk(url, cookie_file, sessions, seconds):
    lua = cookie_file + ".lua"
    with open(lua, "w") as f:
        f.write(LUA % cookie_file)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{sessions}", f"-d{seconds}s", "--latency", "--timeout", "30s",
         "-s", lua, url],
        check=True, capture_output=True, text=True,
    ).stdout
    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, ms("50"), ms("90"), ms("99"), int(errors.group(1)) if errors else 0


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    work = os.path.abspath(ARGS.work)
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, f"web-{ARGS.decisions}.db")
    # The audit trail is HMAC-chained as in production: its key outside the database.
    global KEY
    KEY = os.path.join(work, "audit.key")
    if not os.path.exists(KEY):
        run([ARGS.spor, "audit", "key", "generate", "--out", KEY], stdout=subprocess.DEVNULL)
    if not os.path.exists(db):
        data = os.path.join(work, f"data-{ARGS.decisions}")
        spor(["bench", "generate", "--decisions", str(ARGS.decisions), "--out", data], db)
        files = [os.path.join(data, f) for f in sorted(os.listdir(data)) if f.endswith(".csv")]
        spor(["import", *files], db, stdout=subprocess.DEVNULL)
        for name, role in [("an", "analyst"), ("cw", "caseworker")]:
            spor(["user", "add", name, "--role", role], db, input=INITIAL_PASSWORD.encode(),
                 stdout=subprocess.DEVNULL)
    # Load, not log-in, is measured: the bench accounts log in without a second factor
    # (a setting for this bench's register only; the default exempts nobody).
    spor(["settings", "set", "second_factor_exempt", "analyst,caseworker"], db,
         stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{ARGS.port}"
    server = subprocess.Popen(
        [ARGS.spor, "--db", db, "--audit-key", KEY, "serve", "--listen", f"127.0.0.1:{ARGS.port}", "--secure-cookies", "never"],
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if request(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        cookies = {}
        for name in ["an", "cw"]:
            path = os.path.join(work, f"cookies-{name}.txt")
            with open(path, "w") as f:
                for _ in range(ARGS.sessions):
                    f.write(login(base, name) + "\n")
            cookies[name] = path
        first_cookie = {n: open(p).readline().strip() for n, p in cookies.items()}
        pages = [
            ("an", f"/dashboard?year={ARGS.year}"),
            ("an", f"/overview?year={ARGS.year}"),
            ("an", f"/overview/{ARGS.year}/view"),
            ("cw", "/cases"),
            ("cw", f"/cases?year={ARGS.year}"),
            ("cw", "/assessments"),
            ("cw", f"/calls?year={ARGS.year}"),
        ]
        pages = [(w, p) for w, p in pages if ARGS.pages in p]
        rows = []
        for who, path in pages:
            start = time.perf_counter()
            status, _, _ = request(base + path, cookie=first_cookie[who])
            first = time.perf_counter() - start
            if status != 200:
                sys.exit(f"{path}: HTTP {status}")
            rps, p50, p90, p99, errors = wrk(base + path, cookies[who], ARGS.sessions, ARGS.seconds)
            rows.append((path, who, first, rps, p50, p90, p99, errors))
        peak = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait()
    print(f"\n{ARGS.decisions:,} decisions, {ARGS.sessions} sessions per role, "
          f"{ARGS.seconds} s per page, wrk -t2 -c{ARGS.sessions}\n")
    print("| page | role | first request | requests/s | p50 | p90 | p99 | non-2xx |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for path, who, first, rps, p50, p90, p99, errors in rows:
        role = "analyst" if who == "an" else "caseworker"
        print(f"| `{path}` | {role} | {first * 1000:.0f} ms | {rps:,.0f} | {p50:.1f} ms | "
              f"{p90:.1f} ms | {p99:.1f} ms | {errors} |")
    print(f"\nServer peak resident memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spor", default="target/release/spor")
    p.add_argument("--decisions", type=int, default=1_000_000)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--seconds", type=int, default=20)
    p.add_argument("--year", type=int, default=2023)
    p.add_argument("--port", type=int, default=8097)
    p.add_argument("--work", default="/tmp/spor-web-load")
    p.add_argument("--pages", default="", help="only the pages whose path contains this")
    ARGS = p.parse_args()
    ARGS.spor = os.path.abspath(ARGS.spor)
    main()
