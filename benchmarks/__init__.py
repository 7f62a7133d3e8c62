"""Benchmarks (SPEC §6): seeded round generators, the independent load bound, and the table script.

``benchmarks.generate`` builds district, city and province rounds from a seed; ``benchmarks.bounds``
computes the pools of interchangeable experts and the lower bound on their heaviest load from the
scenario alone; ``python -m benchmarks.run`` solves each round and prints how close the plan comes.
"""
