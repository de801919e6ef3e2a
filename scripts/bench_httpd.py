#!/usr/bin/python3
"""bench_httpd.py: wrk with keep-alive against httpd, nginx and Go's net/http serving the same tiny body, in interleaved rounds, then SIGTERM during a wrk run.

  bench_httpd.py --httpd build/bin/httpd [--go-server build/go/hello] --out build/bench/httpd.json [--rounds 4 --seconds 3]

Servers, all on loopback on free ports, started and stopped here (nginx
gets a throw-away prefix with its own config, logs and temp paths, so no
root and no system nginx are involved):
  httpd    build/bin/httpd --workers W (W = --workers, default: the CPUs this
           process may use, httpd's own default)
  nginx    nginx with worker_processes W: the same number of workers
  httpd1   httpd --workers 1
  nginx1   nginx with worker_processes 1
  go       Go's net/http (bench/go/hello, GOMAXPROCS = W), what a student of
           the course would write; left out when --go-server is missing
Each round runs wrk against every server, in an order that rotates from
round to round so none always gets the warmer caches.  The pairs, medians
of the rounds: httpd/nginx with equal workers (the headline), httpd1/nginx1,
and httpd/go.  wrk shares the machine with the servers: read the ratios.

The shutdown run: httpd under two wrk runs (/ with keep-alive, and
/sleep?ms=50 so that requests are surely in flight), SIGTERM in the middle;
it reports httpd's exit status, how many requests it cut (must be 0), and
what wrk saw.  Writes JSON for scripts/bench_report.py and prints a table.
Standard library only; run by Debian's /usr/bin/python3.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BODY = "hello from memlab httpd\n"  # httpd's "/" body, served by nginx too
NGINX_CONF = """worker_processes {workers};
daemon off;
master_process on;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 100000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type text/plain;
            return 200 "hello from memlab httpd\\n";
        }}
    }}
}}
"""


def die(msg):
    print(f"bench_httpd: {msg}", file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def start_httpd(path, extra=(), env=None, name="httpd"):
    """Start a server that takes --addr and prints "listening on ADDR" (httpd, and the Go hello)."""
    p = subprocess.Popen([path, "--addr", "127.0.0.1:0", *extra], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline()
    m = re.search(r"listening on [\d.]+:(\d+)", line)
    if not m:
        p.kill()
        die(f"{name} did not start: {line!r} {p.stderr.read()}")
    return p, int(m.group(1))


def start_nginx(tmp, workers):
    tmp = os.path.join(tmp, f"nginx-{workers}")
    os.makedirs(tmp, exist_ok=True)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        die("nginx not found: scripts/deps.sh installs nginx-light")
    port = free_port()
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, port=port, workers=workers))
    p = subprocess.Popen([nginx, "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "error.log")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if not wait_port(port, p):
        p.kill()
        log = open(os.path.join(tmp, "error.log")).read() if os.path.exists(os.path.join(tmp, "error.log")) else ""
        die(f"nginx did not start: {p.stderr.read() if p.poll() is not None else ''} {log}")
    return p, port


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(out):
    r = {"rps": None, "p50_ms": None, "p99_ms": None, "requests": None, "errors": {}, "non2xx": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            r[key] = float(m.group(1)) * UNITS[m.group(2)]
    m = re.search(r"(\d+) requests in", out)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    return r


def wrk(url, seconds, threads, conns):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    r = parse_wrk(out)
    if r["rps"] is None:
        die(f"could not read wrk's output:\n{out}")
    return r


def check_body(port, name):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") or body.decode() != BODY:
        die(f"{name} does not serve the benchmark body: {data[:300]!r}")
    return len(data)


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def rounds(args, tmp, workers):
    """Every server in every round, in an order that rotates from round to round."""
    procs, ports, peers = {}, {}, {}
    try:
        procs["httpd"], ports["httpd"] = start_httpd(args.httpd, ["--workers", str(workers)])
        peers["httpd"] = f"build/bin/httpd --workers {workers}"
        procs["nginx"], ports["nginx"] = start_nginx(tmp, workers)
        peers["nginx"] = f"nginx, worker_processes {workers}"
        procs["httpd1"], ports["httpd1"] = start_httpd(args.httpd, ["--workers", "1"])
        peers["httpd1"] = "build/bin/httpd --workers 1"
        procs["nginx1"], ports["nginx1"] = start_nginx(tmp, 1)
        peers["nginx1"] = "nginx, worker_processes 1"
        if args.go_server and os.path.exists(args.go_server):
            env = dict(os.environ, GOMAXPROCS=str(workers))
            procs["go"], ports["go"] = start_httpd(args.go_server, env=env, name="the Go server")
            peers["go"] = f"Go net/http (bench/go/hello), GOMAXPROCS={workers}"
        else:
            print(f"  no Go server ({args.go_server or 'no --go-server'} missing): the Go row is left out",
                  flush=True)
        sizes = {name: check_body(port, name) for name, port in ports.items()}
        urls = {name: f"http://127.0.0.1:{port}/" for name, port in ports.items()}
        for name in urls:  # warm-up, not recorded
            wrk(urls[name], 1, args.threads, args.connections)
        names = list(urls)
        out = []
        for i in range(args.rounds):
            order = [names[(i + k) % len(names)] for k in range(len(names))]
            res = {name: wrk(urls[name], args.seconds, args.threads, args.connections) for name in order}
            out.append({"round": i + 1, "order": order, "servers": res})
            print(f"  round {i + 1}: " + " | ".join(f"{k} {res[k]['rps']:8.0f} req/s p99 {res[k]['p99_ms']:6.2f} ms"
                                                    for k in names), flush=True)
        return out, sizes, peers
    finally:
        for p in procs.values():
            stop(p)


PAIRS = (("httpd", "nginx", "equal workers: httpd / nginx"),
         ("httpd1", "nginx1", "one worker each: httpd --workers 1 / nginx"),
         ("httpd", "go", "httpd / Go net/http"))


def pair_medians(rows, workers):
    out = []
    for a, b, label in PAIRS:
        got = [r["servers"] for r in rows if a in r["servers"] and b in r["servers"]]
        if not got:  # (no Go server): the row stays, unmeasured
            out.append({"label": label, "a": a, "b": b, "a_rps": None, "b_rps": None, "ratio": None,
                        "a_p99_ms": None, "b_p99_ms": None})
            continue
        med = lambda k, key: statistics.median(s[k][key] for s in got)
        out.append({"label": label.replace("equal workers", f"equal workers ({workers} each)"), "a": a, "b": b,
                    "a_rps": med(a, "rps"), "b_rps": med(b, "rps"),
                    "ratio": statistics.median(s[a]["rps"] / s[b]["rps"] for s in got),
                    "a_p99_ms": med(a, "p99_ms"), "b_p99_ms": med(b, "p99_ms")})
    return out


def sigterm_mid_run(args):
    """SIGTERM while wrk hammers / and /sleep?ms=50: nothing may be cut."""
    httpd, port = start_httpd(args.httpd, ["--shutdown-timeout", "10"])
    secs = 4
    fast = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{secs}s", f"http://127.0.0.1:{port}/"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    slow = subprocess.Popen(["wrk", "-t1", "-c16", f"-d{secs}s", f"http://127.0.0.1:{port}/sleep?ms=50"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(secs / 2)
    t0 = time.monotonic()
    httpd.send_signal(signal.SIGTERM)
    try:
        status = httpd.wait(timeout=30)
    except subprocess.TimeoutExpired:
        httpd.kill()
        status = httpd.wait()
    took = time.monotonic() - t0
    err = httpd.stderr.read()
    fast_r = parse_wrk(fast.communicate(timeout=60)[0])
    slow_r = parse_wrk(slow.communicate(timeout=60)[0])
    m = re.search(r"(\d+) requests cut", err)
    cut = int(m.group(1)) if m else (0 if "every in-flight request answered" in err else None)
    m = re.search(r"(\d+) connections open \((\d+) idle", err)
    res = {"exit_status": status, "requests_cut": cut, "shutdown_s": took,
           "open_at_signal": int(m.group(1)) if m else None, "idle_at_signal": int(m.group(2)) if m else None,
           "wrk_keepalive": fast_r, "wrk_sleep": slow_r, "httpd_stderr": err.strip().splitlines()}
    print(f"  SIGTERM mid-wrk: exit {status}, requests cut {cut}, shutdown took {took:.3f} s; "
          f"open at the signal {res['open_at_signal']} ({res['idle_at_signal']} idle); "
          f"wrk /: {fast_r['requests']} requests, errors {fast_r['errors']}; "
          f"wrk /sleep: {slow_r['requests']} requests, errors {slow_r['errors']}", flush=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--httpd", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=0,
                    help="workers for httpd and nginx alike (default: the CPUs this process may use)")
    ap.add_argument("--go-server", help="the Go net/http server (scripts/bench_go.py builds build/go/hello)")
    args = ap.parse_args()
    if args.rounds < 1 or args.seconds < 1 or args.threads < 1 or args.connections < args.threads:
        ap.error("rounds and seconds at least 1, connections at least threads")
    if not shutil.which("wrk"):
        die("wrk not found: scripts/deps.sh installs it")
    workers = args.workers or len(os.sched_getaffinity(0))
    load_before = os.getloadavg()
    print(f"== httpd, nginx, Go: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
          f"{args.rounds} interleaved rounds, {workers} workers (load average {load_before[0]:.2f})", flush=True)
    with tempfile.TemporaryDirectory(prefix="memlab-nginx-") as tmp:
        rows, sizes, peers = rounds(args, tmp, workers)
    shutdown = sigterm_mid_run(args)
    pairs = pair_medians(rows, workers)
    eq = pairs[0]
    result = {
        "config": {"threads": args.threads, "connections": args.connections, "seconds": args.seconds,
                   "rounds": args.rounds, "workers": workers, "response_bytes": sizes,
                   "cpus": len(os.sched_getaffinity(0))},
        "peers": peers,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "rounds": rows,
        "pairs": pairs,
        # The headline (equal workers), for the report's targets.
        "median_ratio": eq["ratio"],
        "median_httpd_p99_ms": eq["a_p99_ms"],
        "median_nginx_p99_ms": eq["b_p99_ms"],
        "sigterm": shutdown,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    for p in pairs:
        if p["ratio"] is None:
            print(f"  {p['label']}: not measured")
            continue
        print(f"  {p['label']}: {p['a_rps']:.0f} / {p['b_rps']:.0f} req/s, ratio {p['ratio']:.2f}; "
              f"p99 {p['a_p99_ms']:.2f} / {p['b_p99_ms']:.2f} ms")
    print(f"  {result['uptime']}\n  -> {args.out}")
    return 0 if shutdown["requests_cut"] == 0 and shutdown["exit_status"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
