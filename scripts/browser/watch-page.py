#!/usr/bin/env python3
"""Opens a page in headless Chromium and watches it through the DevTools protocol (over a pipe,
so no port is opened), for tests that need a page kept open in real time.

Usage: watch-page.py URL READY_EXPR DONE_EXPR SECONDS [CHROMIUM_FLAG...]

Prints READY once the JavaScript expression READY_EXPR is true on the page, then waits for
DONE_EXPR and prints the page's DOM. Exits 0 when both held within SECONDS, 1 otherwise
(the DOM is still printed), 2 when Chromium could not be driven at all. Every wait is bounded
by SECONDS (plus 5 s to close Chromium), even when Chromium stops answering (a page stuck in a
navigation), and SIGTERM closes Chromium before exiting.
"""
import json, os, select, signal, subprocess, sys, time

# A parent that blocks signals in its threads passes the mask on: unblock them, so that SIGTERM
# (a test's time limit) reaches this script, and through it Chromium.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

url, ready_expr, done_expr, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
flags = sys.argv[5:]
deadline = time.monotonic() + seconds

to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def child_fds():
    # Chromium reads commands on fd 3 and writes answers on fd 4. Lift both ends out of the way
    # first (the pipes may already sit on 3 or 4), and keep them open across exec.
    read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)
    os.dup2(read_end, 3, inheritable=True)
    os.dup2(write_end, 4, inheritable=True)


chrome = subprocess.Popen(
    ["chromium", "--headless", "--remote-debugging-pipe", *flags],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    preexec_fn=child_fds, close_fds=False)
os.close(to_chrome_r)
os.close(from_chrome_w)
buffer = b""
next_id = 0


def send(method, params=None, session=None, limit=None):
    global next_id, buffer
    limit = limit or deadline + 5
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    os.write(to_chrome_w, json.dumps(message).encode() + b"\0")
    while True:
        while b"\0" not in buffer:
            remaining = limit - time.monotonic()
            if remaining <= 0 or not select.select([from_chrome_r], [], [], remaining)[0]:
                raise TimeoutError(f"chromium did not answer {method}")
            chunk = os.read(from_chrome_r, 65536)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            buffer += chunk
        raw, buffer = buffer.split(b"\0", 1)
        reply = json.loads(raw)
        if reply.get("id") == next_id:
            if "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            return reply.get("result", {})


def evaluate(session, expression):
    result = send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
    return result.get("result", {}).get("value")


def wait_for(session, expression):
    while time.monotonic() < deadline:
        if evaluate(session, f"Boolean({expression})"):
            return True
        time.sleep(0.2)
    return False


status = 2
try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", session=session)
    send("Page.navigate", {"url": url}, session)
    status = 1
    if wait_for(session, ready_expr):
        print("READY", flush=True)
        if wait_for(session, done_expr):
            status = 0
    print(evaluate(session, "document.documentElement.outerHTML") or "", flush=True)
except Exception as error:  # the test reads the reason on standard error
    print(f"watch-page: {error}", file=sys.stderr)
finally:
    try:
        send("Browser.close", limit=time.monotonic() + 5)
    except Exception:
        pass
    try:
        chrome.wait(timeout=10)
    except subprocess.TimeoutExpired:
        chrome.kill()
        chrome.wait()
sys.exit(status)
