#!/usr/bin/env python3
"""The web console's page times for 1,000 events, on the release binary.

    cargo build --release --locked && python3 bench/console.py [--runs 20]

The shipped config and sample events, plus the sample 1,000 times (a start every 40 minutes
from the demo start), as `every_page_answers_quickly_for_a_thousand_events` sets them up;
the daemon in demo mode at real speed on a free loopback port. Each page is fetched once to
warm up, then `--runs` times; prints the median and the slowest, with the page's size. Then
`--runs` event pages never viewed before (each draws all its previews).
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERALD = Path(os.environ.get("HERALD_BIN", ROOT / "target/release/herald"))
M8 = "sofa-meetup-8-chengdu"
PAGES = [
    "/",
    "/?page=2",
    "/history",
    "/events/load-0500",
    "/api/plan",
    "/api/preview/load-0500",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workspace(work, port):
    shipped = ROOT / "config"
    shutil.copytree(shipped / "events", work / "events")
    shutil.copytree(shipped / "templates", work / "templates")
    text = (shipped / "herald.toml").read_text()
    for old, new in [
        ('listen = "127.0.0.1:9464"', f'listen = "127.0.0.1:{port}"'),
        ('ledger = "../data/herald.db"', 'ledger = "herald.db"'),
        ('start = "2021-09-04T09:59:00+08:00"', 'start = "2021-09-01T00:00:00+08:00"'),
        ("speed = 14400", "speed = 1"),
    ]:
        assert old in text, f"the shipped config no longer has {old}"
        text = text.replace(old, new)
    (work / "herald.toml").write_text(text)
    sample = (shipped / "events" / f"{M8}.toml").read_text()
    first = datetime(2021, 9, 1, 13, 30)
    for i in range(1000):
        start = first + timedelta(minutes=40 * i)
        end = start + timedelta(hours=3)
        f = "%Y-%m-%dT%H:%M:%S"
        body = re.sub(r"start = 2021-09-11T13:30:00", f"start = {start.strftime(f)}", sample)
        body = re.sub(r"end = 2021-09-11T17:00:00", f"end = {end.strftime(f)}", body)
        (work / "events" / f"load-{i:04}.toml").write_text(body)


def fetch(port, path):
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as answer:
        body = answer.read()
    return time.perf_counter() - started, len(body)


def row(path, size, times):
    print(
        f"| `{path}` | {size:,} | {statistics.median(times):.1f} ms"
        f" | {max(times):.1f} ms |"
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = free_port()
        workspace(work, port)
        daemon = subprocess.Popen(
            [HERALD, "--config", work / "herald.toml", "run"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.time() + 30
            while True:
                try:
                    fetch(port, "/healthz")
                    break
                except OSError:
                    assert time.time() < deadline, "herald did not answer"
                    time.sleep(0.05)
            print("| page | bytes | median | slowest |\n|---|---|---|---|")
            for path in PAGES:
                fetch(port, path)
                times, size = [], 0
                for _ in range(args.runs):
                    took, size = fetch(port, path)
                    times.append(took * 1000)
                row(path, size, times)
            # An event page's first view draws its previews (later views reuse them).
            for n, query in enumerate(["", "?kind=recap", "?kind=all"]):
                times = []
                for i in range(args.runs):
                    took, size = fetch(port, f"/events/load-{100 * n + i:04}{query}")
                    times.append(took * 1000)
                row(f"/events/ID{query}, first view", size, times)
        finally:
            daemon.terminate()
            daemon.wait()


if __name__ == "__main__":
    main()
