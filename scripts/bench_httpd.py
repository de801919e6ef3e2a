#!/usr/bin/python3
"""bench_httpd.py: wrk with keep-alive against httpd and nginx (one worker, the same tiny body) in interleaved rounds, then SIGTERM during a wrk run.

  bench_httpd.py --httpd build/bin/httpd --out build/bench/httpd.json [--rounds 4 --seconds 3]

Both servers run on loopback on free ports, started here and stopped here;
nginx gets a throw-away prefix with its own config, logs and temp paths, so
no root and no system nginx are involved.  Each round runs wrk against both
(the order alternates between rounds, so neither always gets the warmer
caches) and reports httpd's requests/s as a ratio of nginx's, with both p99
latencies.  The ratio is the number to read: this is a shared, noisy
2-vCPU machine, and both servers share it with wrk.

Each round also runs httpd --workers 1, the like-for-like comparison with
nginx's single worker (the target is on httpd's default, a worker per CPU).

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
NGINX_CONF = """worker_processes 1;
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


def start_httpd(path, extra=()):
    p = subprocess.Popen([path, "--addr", "127.0.0.1:0", *extra], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.search(r"listening on [\d.]+:(\d+)", line)
    if not m:
        p.kill()
        die(f"httpd did not start: {line!r} {p.stderr.read()}")
    return p, int(m.group(1))


def start_nginx(tmp):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        die("nginx not found: scripts/deps.sh installs nginx-light")
    port = free_port()
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, port=port))
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


def rounds(args, tmp):
    """Each round: httpd (its default workers), httpd --workers 1, nginx (one
    worker), in an order that rotates from round to round."""
    httpd, hport = start_httpd(args.httpd, ["--workers", str(args.workers)] if args.workers else [])
    httpd1, h1port = start_httpd(args.httpd, ["--workers", "1"])
    nginx, nport = start_nginx(tmp)
    try:
        sizes = {"httpd": check_body(hport, "httpd"), "nginx": check_body(nport, "nginx")}
        check_body(h1port, "httpd --workers 1")
        urls = {"httpd": f"http://127.0.0.1:{hport}/", "httpd1": f"http://127.0.0.1:{h1port}/",
                "nginx": f"http://127.0.0.1:{nport}/"}
        for name in urls:  # warm-up, not recorded
            wrk(urls[name], 1, args.threads, args.connections)
        out = []
        names = ["httpd", "httpd1", "nginx"]
        for i in range(args.rounds):
            order = tuple(names[(i + k) % 3] for k in range(3))
            res = {name: wrk(urls[name], args.seconds, args.threads, args.connections) for name in order}
            row = {"round": i + 1, "order": list(order),
                   "httpd1_rps": res["httpd1"]["rps"], "httpd1_p99_ms": res["httpd1"]["p99_ms"],
                   "ratio_1worker": res["httpd1"]["rps"] / res["nginx"]["rps"],
                   "httpd_rps": res["httpd"]["rps"], "nginx_rps": res["nginx"]["rps"],
                   "ratio": res["httpd"]["rps"] / res["nginx"]["rps"],
                   "httpd_p50_ms": res["httpd"]["p50_ms"], "nginx_p50_ms": res["nginx"]["p50_ms"],
                   "httpd_p99_ms": res["httpd"]["p99_ms"], "nginx_p99_ms": res["nginx"]["p99_ms"],
                   "httpd_errors": res["httpd"]["errors"], "nginx_errors": res["nginx"]["errors"],
                   "httpd_non2xx": res["httpd"]["non2xx"], "nginx_non2xx": res["nginx"]["non2xx"]}
            out.append(row)
            print(f"  round {i + 1}: httpd {row['httpd_rps']:10.0f} req/s p99 {row['httpd_p99_ms']:6.2f} ms | "
                  f"nginx {row['nginx_rps']:10.0f} req/s p99 {row['nginx_p99_ms']:6.2f} ms | "
                  f"ratio {row['ratio']:.2f} | httpd --workers 1 {row['httpd1_rps']:10.0f} req/s p99 "
                  f"{row['httpd1_p99_ms']:6.2f} ms ratio {row['ratio_1worker']:.2f}", flush=True)
        return out, sizes
    finally:
        stop(httpd)
        stop(httpd1)
        stop(nginx)


def sigterm_mid_run(args):
    """SIGTERM while wrk hammers / and /sleep?ms=50: nothing may be cut."""
    httpd, port = start_httpd(args.httpd, ["--shutdown-timeout", "10"])
    secs = 4
    fast = subprocess.Popen(["wrk", f"-t1", f"-c{args.connections}", f"-d{secs}s", f"http://127.0.0.1:{port}/"],
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
    ap.add_argument("--workers", type=int, default=0, help="httpd --workers (default: httpd's own, one per CPU)")
    args = ap.parse_args()
    if args.rounds < 1 or args.seconds < 1 or args.threads < 1 or args.connections < args.threads:
        ap.error("rounds and seconds at least 1, connections at least threads")
    if not shutil.which("wrk"):
        die("wrk not found: scripts/deps.sh installs it")
    load_before = os.getloadavg()
    print(f"== httpd vs nginx: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
          f"{args.rounds} interleaved rounds (load average {load_before[0]:.2f})", flush=True)
    with tempfile.TemporaryDirectory(prefix="memlab-nginx-") as tmp:
        rows, sizes = rounds(args, tmp)
    shutdown = sigterm_mid_run(args)
    ratios = [r["ratio"] for r in rows]
    result = {
        "config": {"threads": args.threads, "connections": args.connections, "seconds": args.seconds,
                   "rounds": args.rounds, "httpd_workers": args.workers or os.cpu_count(), "nginx_workers": 1,
                   "response_bytes": sizes, "cpus": os.cpu_count()},
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "rounds": rows,
        "median_ratio": statistics.median(ratios),
        "median_ratio_1worker": statistics.median(r["ratio_1worker"] for r in rows),
        "median_httpd1_p99_ms": statistics.median(r["httpd1_p99_ms"] for r in rows),
        "min_ratio": min(ratios),
        "median_httpd_p99_ms": statistics.median(r["httpd_p99_ms"] for r in rows),
        "median_nginx_p99_ms": statistics.median(r["nginx_p99_ms"] for r in rows),
        "target_ratio": 0.8,
        "sigterm": shutdown,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"  median ratio {result['median_ratio']:.2f} (target >= 0.8; httpd --workers 1: "
          f"{result['median_ratio_1worker']:.2f}); p99 httpd "
          f"{result['median_httpd_p99_ms']:.2f} ms, nginx {result['median_nginx_p99_ms']:.2f} ms; "
          f"{result['uptime']}\n  -> {args.out}")
    return 0 if shutdown["requests_cut"] == 0 and shutdown["exit_status"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
