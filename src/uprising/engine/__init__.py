"""The engine: population (structure of arrays), places and cells, vision, counts, keyed random
numbers, and the kernels of Epstein's Models I and II under two schedules.

Layout and kernels: docs/engine.md. Schedules: docs/schedules.md.
"""
