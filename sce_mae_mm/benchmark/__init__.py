"""The synthetic benchmark as code: the quick start's steps
(:mod:`.quickstart`, :mod:`.quickstart_steps`), the one table builder
(:mod:`.tables`), the paper's numbers (:mod:`.paper`), the learning-curve
fit (:mod:`.curve_fit`), where configs/ and tools/ are (:mod:`.paths`)
and the speed benchmarks' timing and cases (:mod:`.timing`,
:mod:`.speed_cases`, :mod:`.amp_cases`).

Nothing here is imported by ``import sce_mae_mm``; ``tools/quickstart.py``
and ``tools/benchmarks/`` are the commands.
"""
