"""Measurements behind ``tools/benchmarks`` (not imported by the package:
nothing here is registered)."""
