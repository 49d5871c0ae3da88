"""Stall fees by VietQR and the reconciliation of bank credits (issue 14).

- :mod:`cashless.fees.codes`: payment codes with a check character, found in transfer notes;
- :mod:`cashless.fees.schedule`: who owes what for a period (``--amount``, ``--schedule``);
- :mod:`cashless.fees.slips`: one fee slip per stall (PDF, the shared card layout) and its manifest;
- :mod:`cashless.fees.credits`: bank credits in (generic CSV/XLSX, column mappings, webhook JSON);
- :mod:`cashless.fees.matching`: credits -> stalls and statuses, a pure function;
- :mod:`cashless.fees.store`: the fee tables in the market database;
- :mod:`cashless.fees.reconcile`: the steps the commands run, and the report;
- :mod:`cashless.fees.simulate`: a simulated fee cycle's credits, with its ground truth.
"""

__all__: list[str] = []
