"""Benchmarks for fingerpost: throughput, latency and accuracy against generated truth."""
