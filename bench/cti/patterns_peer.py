"""Bench-only peer of bench/cti-patterns.ts: OASIS's reference validator (stix2-patterns 2.1.2)
and matcher (stix2-matcher 3.0.0) on the same generated patterns.

stdin: one JSON object {"bundle": {...}} then one {"pattern": "..."} a line.
stdout: one JSON object a line: {"valid": bool, "error": str|null, "matched": bool|null, "us": float}
(us: microseconds spent validating and matching that pattern)."""
import json
import sys
import time

from stix2matcher.matcher import match
from stix2patterns.validator import run_validator


def main():
    lines = iter(sys.stdin)
    bundle = json.loads(next(lines))["bundle"]
    out = sys.stdout
    for line in lines:
        pattern = json.loads(line)["pattern"]
        t0 = time.perf_counter()
        try:
            errors = run_validator(pattern, stix_version="2.1")
        except Exception as e:  # the validator itself crashes on a few inputs
            errors = ["crash: %s" % e]
        matched = None
        error = errors[0] if errors else None
        if not errors:
            try:
                matched = bool(match(pattern, [bundle], stix_version="2.1"))
            except Exception as e:
                error = "match: %s" % e
        us = (time.perf_counter() - t0) * 1e6
        out.write(json.dumps({"valid": not errors, "error": error, "matched": matched, "us": us}) + "\n")
    out.flush()


main()
