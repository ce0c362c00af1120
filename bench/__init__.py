"""Benchmarks: the mock under load (run.py), the servers it could run under (servers.py), resets, the plugin."""
