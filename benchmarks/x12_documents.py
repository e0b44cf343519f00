"""X12 costs: building an 837P, validating it with pyx12 (what every submission pays) and reading
an 835. No database: ``.venv/bin/python benchmarks/x12_documents.py [--n 200]``."""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
from decimal import Decimal
from pathlib import Path

from hp_agent.billing.x12 import claim837
from hp_agent.billing.x12.check import problems
from hp_agent.billing.x12.remittance import parse_835
from hp_agent.billing.x12.segments import Envelope, serialize

SAMPLE_835 = Path(__file__).resolve().parents[1] / "tests" / "insurance" / "data" / "sample_835.x12"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--validations", type=int, default=10)
    n, v = ap.parse_args().n, ap.parse_args().validations
    home = claim837.Address("1 Elm St", "Springfield", "IL", "62704")
    billing = claim837.BillingProvider(
        "Happy Path Clinic", "1234567893", "123456789",
        claim837.Address("100 Main Street", "Springfield", "IL", "627010000"), "Billing Office", "2175550100",
    )  # fmt: skip
    claim = claim837.Claim(
        "HP1A2B3C4D", Decimal("150.00"), "10", ("F32.1", "F41.1"),
        (claim837.ServiceLine("90834", Decimal("150.00"), dt.date(2026, 12, 1), ("95",), 1, (1, 2)),),
        "Acme Health", "ACME1", claim837.Subscriber("XYZ1", "Doe", "Jane", dt.date(1990, 5, 17), "F", home),
        claim837.Provider("1245319599", "Smith", "Alex"),
    )  # fmt: skip
    env = Envelope("HAPPYPATH", "CLEARHOUSE", 42, claim837.VERSION, "HC")
    when = dt.datetime(2026, 12, 7, 15, 0)
    t0 = time.perf_counter()
    for _ in range(n):
        doc = serialize(claim837.build(claim, billing, env, "CH", when))
    t1 = time.perf_counter()
    for _ in range(v):
        assert problems(doc) == []
    t2 = time.perf_counter()
    remit = SAMPLE_835.read_text().replace("{CLAIM}", "HP1").replace("{DOS}", "20261201")
    for _ in range(n):
        parse_835(remit)
    t3 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"build 837P      {(t1 - t0) / n * 1000:8.2f} ms  (n={n})")
    print(f"pyx12 on 837P   {(t2 - t1) / v * 1000:8.0f} ms  (n={v})")
    print(f"read 835        {(t3 - t2) / n * 1000:8.2f} ms  (n={n})")
    print(f"peak RSS        {rss:8.0f} MB")


if __name__ == "__main__":
    main()
