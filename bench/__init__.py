"""Benchmarks: each serves the app as in production and reports figures as ratios against a baseline."""
