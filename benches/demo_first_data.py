#!/usr/bin/env python3
"""How soon `warroom demo` shows live data: start it in tmux at 160x48 and poll the screen every
20 ms until the first frame, the first findings, the first search and the first backup jobs
appear. Three runs; seconds from launching tmux (so tmux's own start is included).

    cargo build --release && python3 benches/demo_first_data.py
"""
import subprocess
import time

SOCKET = "warroom-demo-bench"
NEEDLES = [
    ("first frame", "DRILL"),
    ("findings", "Findings "),
    ("searches", "fileserver-mass"),
    ("backups", "backups done"),
]


def screen():
    return subprocess.run(["tmux", "-L", SOCKET, "capture-pane", "-t", "d", "-p"],
                          capture_output=True, text=True).stdout


for run in range(3):
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
    t0 = time.time()
    subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null", "new-session", "-d", "-s", "d",
                    "-x", "160", "-y", "48", "./target/release/warroom demo; sleep 60"], check=True)
    seen = {}
    while time.time() - t0 < 15 and len(seen) < len(NEEDLES):
        s = screen()
        for name, needle in NEEDLES:
            if name not in seen and needle in s:
                seen[name] = time.time() - t0
        time.sleep(0.02)
    print(run, {k: round(v, 2) for k, v in seen.items()})
subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
