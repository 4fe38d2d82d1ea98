"""Summarises the rounds of benches/mock_load.sh (one JSON object per line in $ROUNDS_FILE).

Each round holds our mock's run, the peer's run (driver JSON plus the server's CPU and the
machine's busy CPU over the run) and both signing floors measured right after. Figures are
medians over the rounds; ratios are taken per round, then the median, so a floor is always set
against the run it was measured beside.
"""

import json
import os
from statistics import median

rounds = [json.loads(line) for line in open(os.environ["ROUNDS_FILE"])]
cores = int(os.environ["CORES"])
DRIVERS = {
    "rust": "driver (benches/load_driver.rs: 1 thread, reqwest, keep-alive)",
    "node": "driver (benches/mock_load.mjs: Node, node:http, keep-alive)",
}


def per_item_ms(run, key):
    return run[key] / run["completed"] * 1000 if run["completed"] else float("nan")


def others(run):
    """Cores other processes kept busy during a run: the machine's busy CPU minus server and driver."""
    spent = run["machine_busy_seconds"] - run["server_cpu_seconds"] - run["driver_cpu_seconds"]
    return max(spent, 0) / run["elapsed"]


def med(values):
    return median(list(values))


rows = []
for r in rounds:
    ours, peer = r["ours"], r["peer"]
    openssl_ms = 1000 / r["openssl_signs_per_second"] if r["openssl_signs_per_second"] else float("nan")
    signer_ms = r["signer"]["ms_per_signature"]
    mock_ms = per_item_ms(ours, "server_cpu_seconds")
    driver_ms = per_item_ms(ours, "driver_cpu_seconds")
    peer_ms = per_item_ms(peer, "server_cpu_seconds")
    peer_driver_ms = per_item_ms(peer, "driver_cpu_seconds")
    rows.append({
        "rate": ours["per_second"],
        "peer_rate": peer["per_second"],
        "ratio": ours["per_second"] / max(peer["per_second"], 1e-9),
        "mock_ms": mock_ms,
        "driver_ms": driver_ms,
        "peer_ms": peer_ms,
        "peer_driver_ms": peer_driver_ms,
        "openssl_ms": openssl_ms,
        "signer_ms": signer_ms,
        "vs_openssl": mock_ms / openssl_ms,
        "vs_signer": mock_ms / signer_ms,
        "beyond": mock_ms - signer_ms,
        "others": others(ours),
        "peer_others": others(peer),
        "ceiling": cores * 1000 / (mock_ms + driver_ms),
        "ceiling_mock_only": cores * 1000 / mock_ms,
        # oauth2-mock-server runs on one Node event loop: one core at most, whatever the machine has.
        "peer_ceiling": min(1000 / peer_ms, cores * 1000 / (peer_ms + peer_driver_ms)),
    })
    rows[-1]["ceiling_ratio"] = rows[-1]["ceiling"] / rows[-1]["peer_ceiling"]
m = {key: med(row[key] for row in rows) for key in rows[0]}
done = sum(r["ours"]["completed"] for r in rounds)
failed = sum(r["ours"]["failed"] for r in rounds)
peer_done = sum(r["peer"]["completed"] for r in rounds)
peer_failed = sum(r["peer"]["failed"] for r in rounds)

print(f"{len(rounds)} rounds of {os.environ['SECONDS_RUN']} s per server, {os.environ['CONCURRENCY']} concurrent loops,"
      f" {DRIVERS[os.environ['DRIVER_KIND']]} and servers on this {cores}-core machine; medians")
print(f"our mock              {m['rate']:8.0f} complete logins/s   ({done} done, {failed} failed;"
      f" other processes took {m['others']:.2f} cores meanwhile)")
print(f"oauth2-mock-server    {m['peer_rate']:8.0f} tokens/s           ({peer_done} done, {peer_failed} failed;"
      f" other processes took {m['peer_others']:.2f} cores meanwhile)")
print(f"ours / peer           {m['ratio']:8.2f} ×                (goal: ≥ 1 500 logins/s and ≥ 2 ×)")
print(f"CPU per login         mock {m['mock_ms']:.3f} ms + driver {m['driver_ms']:.3f} ms"
      f"   (peer per token: server {m['peer_ms']:.3f} ms + driver {m['peer_driver_ms']:.3f} ms)")
print(f"signing floor         openssl speed {m['openssl_ms']:.3f} ms, the mock's own aws-lc-rs signer"
      f" {m['signer_ms']:.3f} ms per RS256 signature (1 core, beside each round)")
print(f"mock CPU per login    {m['vs_openssl']:8.2f} × the openssl floor (goal: ≤ 1.25 ×),"
      f" {m['vs_signer']:.2f} × its own signer: {m['beyond']:.3f} ms beyond the one signature")
print(f"CPU-bound ceiling     {m['ceiling']:8.0f} logins/s on {cores} idle cores at these costs"
      f" ({m['ceiling_mock_only']:.0f} if the driver cost nothing)")
print(f"                      oauth2-mock-server {m['peer_ceiling']:.0f} tokens/s at its costs (one Node event loop):"
      f" ours / peer {m['ceiling_ratio']:.2f} ×")
for r in rounds:
    for run in (r["ours"], r["peer"]):
        if run["failed"]:
            print(f"first error ({run['mode']}): {run['first_error']}")
            break
