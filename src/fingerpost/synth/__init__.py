"""Synthetic data with known truth, for the demo and the benchmarks. Every person is invented."""

from fingerpost.synth.generator import WORLDS, DatasetSummary, write_dataset

__all__ = ["WORLDS", "DatasetSummary", "write_dataset"]
