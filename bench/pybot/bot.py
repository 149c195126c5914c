"""A plain Python meetup bot, written for herald's benchmark: DingtalkChatbot + APScheduler,
used the way their READMEs show. It schedules one APScheduler `date` job per planned send and
posts with DingtalkChatbot.send_markdown.

Modes:
  run   --plan plan.json   schedule every send in plan.json, print "ready", run until SIGTERM
  check --dir DIR          parse and validate every *.toml event file (tomllib), print a summary

The only change from library defaults: DingtalkChatbot's built-in limiter waits for a fixed
60 s window; `--window` scales that window the same way the benchmark scales the fake
server's, so both bots are measured under the same (shortened) rate window.
"""

import argparse
import json
import logging
import signal
import sys
import time
import tomllib
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from dingtalkchatbot.chatbot import DingtalkChatbot


class ScaledChatbot(DingtalkChatbot):
    """DingtalkChatbot whose 20-per-60s limiter uses `window` seconds instead of 60."""

    def __init__(self, webhook, secret=None, window=60.0):
        super().__init__(webhook, secret=secret)
        self.window = window

    def post(self, data):
        now = time.time()
        self.queue.put(now)
        if self.queue.full():
            elapsed = now - self.queue.get()
            if elapsed < self.window:
                time.sleep(self.window - elapsed + self.window / 60.0)
        response = __import__("requests").post(self.webhook, headers=self.headers, data=json.dumps(data))
        try:
            return response.json()
        except ValueError:
            return {"errcode": 500, "errmsg": "bad response"}


def run(plan_path, window):
    plan = json.loads(Path(plan_path).read_text())
    bots = {r["name"]: ScaledChatbot(r["webhook"], secret=r.get("secret"), window=window) for r in plan["robots"]}
    scheduler = BlockingScheduler()
    for i, send in enumerate(plan["sends"]):
        # "*" = one announcement to every robot: a plain loop, the way such bots are written.
        targets = list(bots.values()) if send["robot"] == "*" else [bots[send["robot"]]]
        scheduler.add_job(
            post,
            "date",
            run_date=_dt(send["due"]),
            args=[targets, send["title"], send["text"]],
            id=str(i),
        )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    print("ready", flush=True)
    scheduler.start()


def post(targets, title, text):
    for bot in targets:
        result = bot.send_markdown(title=title, text=text)
        if result.get("errcode") != 0:
            logging.error("send failed: %s", result)


def _dt(ts):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, tz=timezone.utc)


def check(directory):
    ok, bad = 0, 0
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text())
            for key in ("title", "start", "end"):
                if key not in doc:
                    raise ValueError(f"missing {key}")
            if doc["end"] < doc["start"]:
                raise ValueError("end before start")
            for talk in doc.get("talks", []):
                if "title" not in talk:
                    raise ValueError("talk without title")
            ok += 1
        except Exception as exc:  # report and go on, like herald check
            print(f"{path}: {exc}", file=sys.stderr)
            bad += 1
    print(f"ok: {ok} event(s), {bad} problem(s)")
    return 1 if bad else 0


def main():
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--plan", required=True)
    r.add_argument("--window", type=float, default=60.0)
    c = sub.add_parser("check")
    c.add_argument("--dir", required=True)
    args = parser.parse_args()
    if args.cmd == "run":
        run(args.plan, args.window)
    else:
        sys.exit(check(args.dir))


if __name__ == "__main__":
    main()
