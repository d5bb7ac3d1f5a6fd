#!/usr/bin/env python3
"""Peer comparison (issue 24): fargate-sim against the same Fargate rules written
on DSLab's simcore (Rust) and on SimPy (Python), whole process against whole
process, on the same 1 M-task native CSV traces.

  python3 tools/peers.py [--bin target/release/fargate-sim] [--tasks 1000000]
                         [--runs 5] [--simpy-runs 1] [--no-simpy] [--keep DIR]

Two trace shapes from the peers' own generator (../shared/peers/gen_trace.py):
5 tasks/s never empties the launch bucket (burst 100, refill 20/s); 20 tasks/s
does (time to start grows past the 35 s start-up). Builds the simcore peer with
its own target directory (PEER_TARGET, default ../peer-target beside the
repository), installs SimPy with pip when it is missing (or skips its ratio and
says how), runs the programs interleaved RUNS times after a warm-up (each
fargate-sim run into an empty folder, every run after a `sync`), and prints
the median wall times, the ratios and whether the bills agree to 1e-6.
Run by `cargo bench --bench peers`; not part of `cargo test`."""
import argparse, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "..", "shared", "peers")
STARTUP = 35.0
SHAPES = [("bucket never empties", 5.0, 2), ("bucket empties", 20.0, 1)]


# CPU seconds (user + system) of each finished run, by program, beside the
# wall times: on a loaded machine wall time counts other programs' turns.
CPU = {}


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    c0 = children_cpu()
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    CPU.setdefault(CURRENT[0], []).append(children_cpu() - c0)
    return wall, r.stdout


CURRENT = [""]


def scenario(dir_, trace):
    p = os.path.join(dir_, os.path.basename(trace) + ".toml")
    with open(p, "w") as f:
        f.write(f'''name = "peer"
[workload]
trace = "{os.path.basename(trace)}"
[[platforms]]
name = "fargate"
kind = "fargate"
# The peers' rules: a constant start-up of {STARTUP:g} s, all of it billed.
startup = {{ provisioning = {{ dist = "constant", value = "0s" }}, image_pull = {{ dist = "constant", value = "{STARTUP:g}s" }} }}
''')
    return p


def quiet_disk():
    """Writes back what earlier runs left dirty, so that no run pays for
    another's files (a 57 MB tasks.parquet is written back by the kernel
    some seconds after its run, on the same two cores)."""
    os.sync()


def fargate_sim(bin_, scen, out, records):
    cmd = [bin_, "run", scen, "--out", out, "--force", "--quiet"]
    if not records:
        cmd.append("--no-task-records")
    # Each run writes into an empty folder, as a first run does. Left in
    # place, the folder of a run with `tasks.parquet` makes the next run
    # without it delete that file when it replaces the results: unlinking
    # 57 MB took 10 to 16 ms on this machine's ext4, 8 % of the run
    # (issue 24, ninth round; the earlier rounds' figures include it).
    shutil.rmtree(out, ignore_errors=True)
    quiet_disk()
    wall, _ = timed(cmd)
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    p = s["platforms"][0] if isinstance(s.get("platforms"), list) else next(iter(s["platforms"].values()))
    # The task bill (vCPU and memory), as the peers bill; the costs around
    # the tasks that fargate-sim adds (a public IPv4 address per task) are
    # not in the peers' rules.
    return wall, p["cost"].get("compute_usd", p["cost"]["total_usd"])


def peer(cmd):
    quiet_disk()
    wall, out = timed(cmd)
    return wall, json.loads(out.strip().splitlines()[-1])["cost_usd"]


def have_simpy():
    if subprocess.run([sys.executable, "-c", "import simpy"], capture_output=True).returncode == 0:
        return True
    print("SimPy missing: pip install simpy")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "simpy"])
    ok = subprocess.run([sys.executable, "-c", "import simpy"], capture_output=True).returncode == 0
    if not ok:
        print("SimPy could not be installed (run `pip install simpy`); its ratio is skipped")
    return ok


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--bin", default=os.path.join(ROOT, "target/release/fargate-sim"))
    a.add_argument("--tasks", type=int, default=1_000_000)
    a.add_argument("--runs", type=int, default=5)
    a.add_argument("--simpy-runs", type=int, default=1)
    a.add_argument("--no-simpy", action="store_true")
    a.add_argument("--keep", help="keep the traces and outputs in this folder")
    o = a.parse_args()
    target = os.environ.get("PEER_TARGET", os.path.join(ROOT, "..", "peer-target"))
    print(f"building the simcore peer (CARGO_TARGET_DIR={target})", flush=True)
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path",
                    os.path.join(PEERS, "simcore_fargate", "Cargo.toml")], env=env, check=True)
    simcore = os.path.join(target, "release", "simcore_fargate")
    simpy = not o.no_simpy and o.simpy_runs > 0 and have_simpy()
    work = o.keep or tempfile.mkdtemp(prefix="peers-")
    os.makedirs(work, exist_ok=True)
    failed = False
    for label, rate, seed in SHAPES:
        trace = os.path.join(work, f"trace-{o.tasks}-{rate:g}per-s.csv")
        if not os.path.exists(trace):
            subprocess.run([sys.executable, os.path.join(PEERS, "gen_trace.py"), str(o.tasks), trace,
                            str(rate), str(seed)], check=True)
        mb = os.path.getsize(trace) / 1e6
        scen = scenario(work, trace)
        out = os.path.join(work, f"out-{rate:g}")
        runs = {
            "fargate-sim --no-task-records": lambda: fargate_sim(o.bin, scen, out, False),
            "fargate-sim with tasks.parquet": lambda: fargate_sim(o.bin, scen, out, True),
            "simcore peer": lambda: peer([simcore, trace, str(STARTUP)]),
        }
        for f in runs.values():  # warm-up: the file in the page cache, the binaries loaded
            CURRENT[0] = "warm-up"
            f()
        CPU.clear()
        walls = {k: [] for k in runs}
        bills = {}
        for _ in range(o.runs):
            for k, f in runs.items():
                CURRENT[0] = k
                w, b = f()
                walls[k].append(w)
                bills[k] = b
        if simpy:
            walls["SimPy peer"] = []
            for _ in range(o.simpy_runs):
                CURRENT[0] = "SimPy peer"
                w, b = peer([sys.executable, os.path.join(PEERS, "simpy_fargate.py"), trace, str(STARTUP)])
                walls["SimPy peer"].append(w)
                bills["SimPy peer"] = b
        load = os.getloadavg()[0]
        print(f"\n{label}: {o.tasks:,} tasks at {rate:g}/s, {mb:.1f} MB of CSV; "
              f"median of {o.runs} interleaved runs" + (f" (SimPy: {o.simpy_runs})" if simpy else ", SimPy skipped")
              + f"; load average {load:.1f} on {os.cpu_count()} CPUs")
        ref = bills["simcore peer"]
        for k, w in walls.items():
            agree = abs(bills[k] - ref) <= 1e-6 * abs(ref)
            failed |= not agree
            print(f"  {k:32} {statistics.median(w):7.3f} s wall {statistics.median(CPU[k]):7.3f} CPU-s  "
                  f"bill {bills[k]:.6f} USD  {'agrees' if agree else 'DIFFERS'}")
        fs = statistics.median(walls["fargate-sim --no-task-records"])
        fs_rec = statistics.median(walls["fargate-sim with tasks.parquet"])
        sc = statistics.median(walls["simcore peer"])
        cpu = {k: statistics.median(v) for k, v in CPU.items()}
        fs_c = cpu["fargate-sim --no-task-records"]
        print(f"  ratio simcore / fargate-sim --no-task-records: {sc / fs:.2f}x wall, "
              f"{cpu['simcore peer'] / fs_c:.2f}x CPU (target 3x)")
        print(f"  ratio simcore / fargate-sim with tasks.parquet: {sc / fs_rec:.2f}x wall, "
              f"{cpu['simcore peer'] / cpu['fargate-sim with tasks.parquet']:.2f}x CPU (target 2x)")
        if "SimPy peer" in walls:
            print(f"  ratio SimPy / fargate-sim --no-task-records: "
                  f"{statistics.median(walls['SimPy peer']) / fs:.0f}x wall, "
                  f"{cpu['SimPy peer'] / fs_c:.0f}x CPU (target 150x)")
    if not o.keep:
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        sys.exit("bills differ")


if __name__ == "__main__":
    main()
