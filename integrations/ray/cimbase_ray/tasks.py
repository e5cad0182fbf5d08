"""What runs on a Ray worker: one `cimbase` command line, its exit status and the end of its output.

This module is pickled by value (see driver.py), so a worker needs only the `ray` package, the `cimbase` binary and
the shared filesystem: not this package.
"""

import os
import socket
import subprocess
import time


def run_command(argv, env=None):
    """Runs argv on the worker; returns a plain dict (never raises for a failing command: the driver decides)."""
    import ray  # the worker's own

    t0 = time.time()
    full_env = dict(os.environ)
    full_env.update(env or {})
    try:
        p = subprocess.run(argv, capture_output=True, text=True, env=full_env)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except OSError as e:  # binary missing on this worker, not executable, ...
        rc, out, err = 127, "", f"error: cannot start {argv[0]} on {socket.gethostname()}: {e}\n"
    ctx = ray.get_runtime_context()
    return {
        "rc": rc,
        "stdout": out[-4000:],
        "stderr": err[-4000:],
        "seconds": time.time() - t0,
        "node": ctx.get_node_id(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
