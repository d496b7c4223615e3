# SPDX-License-Identifier: GPL-2.0-only
"""A small W3C WebDriver client over urllib, for Debian's chromium and
chromium-driver (no npm, no selenium). Used by the dashboard's test and
bench.

    with Browser(tmpdir) as b:     # starts chromedriver on a free port
        b.get(url)
        b.js("return document.title")
        b.screenshot(path)

chromedriver is started by us, its pid kept, and exactly it is stopped
(it stops the chromium it started when the session is deleted); nothing
is ever killed by name.
"""
import base64
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

CHROMIUM = os.environ.get("LTA_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LTA_CHROMEDRIVER", "/usr/bin/chromedriver")

KEY_ENTER = "\ue007"
KEY_ARROW_DOWN = "\ue015"
KEY_ARROW_UP = "\ue013"
KEY_PAGE_DOWN = "\ue00f"


class WebDriverError(Exception):
    pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Browser:
    def __init__(self, tmpdir, width=1280, height=800, extra_args=()):
        self.tmpdir = tmpdir
        self.port = free_port()
        self.log = open(os.path.join(tmpdir, "chromedriver.log"), "w")
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, "--port=%d" % self.port],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 20
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (OSError, WebDriverError):
                pass
            if time.time() > deadline or self.driver.poll() is not None:
                self.close()
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.05)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--disable-background-networking",
                "--enable-precise-memory-info",
                "--user-data-dir=" + os.path.join(tmpdir, "chromium-profile"),
                "--window-size=%d,%d" % (width, height)] + list(extra_args)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}}
        try:
            self.session = self._call("POST", "/session", caps)["sessionId"]
        except Exception:
            self.close()
            raise

    def _call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                out = json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                v = json.loads(e.read()).get("value", {})
                msg = "%s: %s" % (v.get("error"), v.get("message", "")[:300])
            except ValueError:
                msg = str(e)
            raise WebDriverError(msg) from None
        return out.get("value")

    def cmd(self, method, path, body=None, timeout=60):
        return self._call(method, "/session/%s%s" % (self.session, path),
                          body, timeout)

    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync",
                        {"script": script, "args": list(args)})

    def wait(self, script, *args, timeout=10.0, interval=0.05):
        """Polls SCRIPT until it returns something truthy; returns it,
        or None after TIMEOUT seconds."""
        deadline = time.time() + timeout
        while True:
            v = self.js(script, *args)
            if v:
                return v
            if time.time() > deadline:
                return None
            time.sleep(interval)

    def find(self, css):
        v = self.cmd("POST", "/element", {"using": "css selector",
                                          "value": css})
        return next(iter(v.values()))

    def click(self, css, timeout=5.0):
        """Clicks the element CSS selects; a page that re-renders it
        between the find and the click (stale element) is retried, within
        TIMEOUT seconds."""
        deadline = time.time() + timeout
        while True:
            try:
                self.cmd("POST", "/element/%s/click" % self.find(css), {})
                return
            except WebDriverError as e:
                if ("stale element" not in str(e) and
                        "no such element" not in str(e)) or \
                        time.time() > deadline:
                    raise
            time.sleep(0.05)

    def send_keys(self, css, text):
        self.cmd("POST", "/element/%s/value" % self.find(css),
                 {"text": text})

    def keys_to_active(self, text):
        """Types TEXT into whatever element has the focus."""
        actions = [{"type": "keyDown", "value": ch} for ch in text]
        actions += [{"type": "keyUp", "value": ch} for ch in text]
        self.cmd("POST", "/actions", {"actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})

    def set_size(self, width, height):
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return len(png)

    def console(self):
        """The browser console's messages since the last call."""
        try:
            return self.cmd("POST", "/se/log", {"type": "browser"})
        except WebDriverError:
            return []

    def cdp(self, cmd, params=None):
        return self.cmd("POST", "/goog/cdp/execute",
                        {"cmd": cmd, "params": params or {}})

    def browser_pids(self):
        """chromedriver's descendants (the chromium processes)."""
        children = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.driver.pid]
        while todo:
            p = todo.pop()
            for c in children.get(p, []):
                out.append(c)
                todo.append(c)
        return out

    def process_memory(self):
        """The memory of every chromium process, one dict per process:
        pid, type (browser, renderer, gpu-process, utility, zygote...),
        and in KiB: rss (resident, shared pages counted whole), pss
        (proportional: each shared page split between the processes
        mapping it, in any program), uss (private: Private_Clean +
        Private_Dirty of smaps_rollup) and footprint (RssAnon + VmSwap
        of /proc/PID/status: what Chrome itself calls a process's
        private memory footprint on Linux and shows in its Task
        Manager's "Memory footprint" column)."""
        out = []
        for pid in self.browser_pids():
            try:
                # chromium rewrites its argv (one string): search it.
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    m = re.search(rb"--type=([\w-]+)", f.read())
                p = {"pid": pid,
                     "type": m.group(1).decode() if m else "browser"}
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k in ("Rss", "Pss", "Private_Clean",
                                 "Private_Dirty"):
                            p[k] = int(v.split()[0])
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k in ("RssAnon", "VmSwap"):
                            p[k] = int(v.split()[0])
            except (OSError, ValueError, IndexError):
                continue  # Gone meanwhile.
            out.append({
                "pid": pid, "type": p["type"], "rss": p.get("Rss", 0),
                "pss": p.get("Pss", 0),
                "uss": p.get("Private_Clean", 0) + p.get("Private_Dirty", 0),
                "footprint": p.get("RssAnon", 0) + p.get("VmSwap", 0)})
        return out

    def page_renderer_pid(self, marker_mib=64):
        """The pid of the renderer process that holds the current page,
        found for sure: the page allocates and touches MARKER_MIB MiB,
        and the one renderer whose private memory grew by at least 3/4
        of it is the page's; the marker is then dropped and garbage
        collected. Raises WebDriverError unless exactly one renderer
        grew."""
        def private():
            return {p["pid"]: p["uss"] for p in self.process_memory()
                    if p["type"] == "renderer"}
        before = private()
        self.js("const a = new Uint8Array(arguments[0] * 1048576);"
                "for (let i = 0; i < a.length; i += 4096) { a[i] = 1; }"
                "window.__ltaMarker = a; return a.length;", marker_mib)
        after = private()
        self.js("delete window.__ltaMarker; return 0;")
        self.cdp("HeapProfiler.collectGarbage")
        grew = [pid for pid, kb in after.items()
                if kb - before.get(pid, 0) >= marker_mib * 1024 * 3 // 4]
        if len(grew) != 1:
            raise WebDriverError("cannot tell the page's renderer: %d of "
                                 "%d renderers grew by the marker"
                                 % (len(grew), len(after)))
        return grew[0]

    def js_heap(self, collect=False):
        """The page's JavaScript heap (DevTools Runtime.getHeapUsage), in
        bytes: (used, total). COLLECT: after a full garbage collection
        (HeapProfiler.collectGarbage), i.e. what the page retains."""
        if collect:
            self.cdp("HeapProfiler.collectGarbage")
        h = self.cdp("Runtime.getHeapUsage")
        return h["usedSize"], h["totalSize"]

    def dom_counters(self):
        """DevTools Memory.getDOMCounters: documents, nodes (including
        the detached ones not yet collected) and jsEventListeners."""
        return self.cdp("Memory.getDOMCounters")

    def close(self):
        try:
            if getattr(self, "session", None):
                self.cmd("DELETE", "", timeout=20)
        except Exception:
            pass
        self.session = None
        # A chromium left behind by a failed delete: exactly its pids.
        left = self.browser_pids() if self.driver.poll() is None else []
        if self.driver.poll() is None:
            self.driver.send_signal(signal.SIGTERM)
            try:
                self.driver.wait(10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
                self.driver.wait()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
