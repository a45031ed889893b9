# fn_faulty.py — test handlers that fail in the ways Lambda reports: an exception, a timeout
# (with a grandchild process that must die with it), memory exhaustion, a huge output, an exit,
# a result that is not JSON.
import os
import subprocess
import sys
import time


def raises(event, context):
    def inner():
        raise ValueError("bad thing: %s" % event.get("what"))
    inner()


def sleeps(event, context):
    child = subprocess.Popen(["sleep", "300"])
    with open(event["pidfile"], "w") as f:
        f.write(str(child.pid))
    time.sleep(event.get("seconds", 300))
    return "woke up"


def eats_memory(event, context):
    hog = bytearray(event["mb"] * 1024 * 1024)
    return len(hog)


def shouts(event, context):
    chunk = "x" * 1023 + "\n"
    for _ in range(event["kb"]):
        sys.stdout.write(chunk)
    return "done"


def exits(event, context):
    os._exit(3)


def not_json(event, context):
    return object()


def slow(event, context):
    time.sleep(event.get("seconds", 0.3))
    return {"slept": event.get("seconds", 0.3)}
