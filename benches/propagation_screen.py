"""propagation_screen.py N -- VIEWER... ; APPEND env as in the team's propagation.py ({m} = marker).
Like propagation.py, but reads the *screen* (tmux capture-pane) instead of the bytes written to the
terminal: a diffing TUI such as warroom rewrites only the cells that changed, so a new timeline row
whose neighbour held a similar marker never carries the whole marker as one run of bytes.
Prints p50/p99/max in ms from the append's start until the marker is visible."""
import os, subprocess, sys, time, random, shlex
if "--" not in sys.argv or len(sys.argv) < 4:
    sys.exit(__doc__)
n = int(sys.argv[1]); viewer = sys.argv[sys.argv.index("--") + 1:]
append = os.environ["APPEND"]; sock = f"props{os.getpid()}"
subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "p", "-x", "160", "-y", "48",
                " ".join(shlex.quote(a) for a in viewer)], check=True)
def screen():
    return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "p"], capture_output=True, text=True).stdout
try:
    time.sleep(2.0)
    lat = []
    for i in range(n):
        m = f"zq{random.randrange(16**8):08x}"
        t0 = time.perf_counter()
        subprocess.run(append.format(m=m), shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = None
        while time.perf_counter() - t0 < 5:
            if m in screen():
                seen = time.perf_counter() - t0; break
            time.sleep(0.002)
        lat.append(seen if seen is not None else float("inf"))
        time.sleep(0.2)
    ok = sorted(x for x in lat if x != float("inf")); miss = len(lat) - len(ok)
    q = lambda p: ok[min(len(ok) - 1, int(p * len(ok)))] * 1000 if ok else float("nan")
    print(f"n={n} missed={miss} p50={q(0.5):.1f}ms p99={q(0.99):.1f}ms max={q(1.0):.1f}ms")
finally:
    subprocess.run(["tmux", "-L", sock, "kill-server"], stderr=subprocess.DEVNULL)
