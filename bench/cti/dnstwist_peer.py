"""Bench-only peer of bench/cti-match.ts: dnstwist's permutations (fuzzer, domain) of each domain
given on stdin, one a line; prints one JSON list per domain."""
import json
import sys

import dnstwist

for line in sys.stdin:
    domain = line.strip()
    if not domain:
        continue
    fuzz = dnstwist.Fuzzer(domain)
    fuzz.generate()
    perms = fuzz.permutations() if hasattr(fuzz, "permutations") else fuzz.domains
    print(json.dumps([[p["fuzzer"], p["domain"]] for p in perms if p["fuzzer"] != "*original"]))
    sys.stdout.flush()
