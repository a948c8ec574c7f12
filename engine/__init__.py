"""Overlap Lab's engine: workloads, devices, loop shapes, measurement protocol and results.

Importing this package stays cheap (no torch): the telemetry sampler process imports it too.
"""

__version__ = "0.2.0"
