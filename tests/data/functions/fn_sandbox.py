# fn_sandbox.py — test handlers that attack the function sandbox: reading plumb's data
# directory, leaving a grandchild behind (setsid, holding a FIFO the test watches), a fork bomb,
# and one that reports what the sandbox looks like from inside.
import errno
import os
import subprocess
import time


def reads(event, context):
    """{"paths": [...]} -> {path: "read" | errno name}"""
    out = {}
    for path in event["paths"]:
        try:
            with open(path, "rb") as f:
                f.read(1)
            out[path] = "read"
        except OSError as e:
            out[path] = errno.errorcode.get(e.errno, str(e.errno))
    return out


def escapes(event, context):
    """Starts a grandchild in a session of its own that holds event["fifo"] open for writing
    and writes "r" to it once running, then sleeps event["sleep"] seconds (0: returns)."""
    with open(event["fifo"], "wb", buffering=0) as w:
        subprocess.Popen(["setsid", "sh", "-c", "echo r; exec sleep 300"], stdout=w,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    time.sleep(event.get("sleep", 0))
    return "spawned"


def forks(event, context):
    """Forks event["n"] children that sleep; returns how many forks succeeded and the error
    that stopped them."""
    n, why = 0, None
    for _ in range(event["n"]):
        try:
            pid = os.fork()
        except OSError as e:
            why = errno.errorcode.get(e.errno, str(e.errno))
            break
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        n += 1
    return {"forked": n, "error": why}


def whoami(event, context):
    return {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(),
            "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
