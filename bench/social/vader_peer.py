"""Bench-only peer: the reference vaderSentiment 3.3.2 scores of JSON-encoded texts, one a line
on stdin, written as JSON lines {neg, neu, pos, compound} on stdout."""
import json
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

analyzer = SentimentIntensityAnalyzer()
for line in sys.stdin:
    print(json.dumps(analyzer.polarity_scores(json.loads(line))), flush=True)
