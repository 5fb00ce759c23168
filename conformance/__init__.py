"""crossconform's conformance suite: cases, tolerance, the divergence registry, results.

Run it as ``pytest conformance`` (options: ``--backend``, ``--kind``, ``--adapter`` ...)
or ``python -m conformance run``.
"""
