"""Benchmarks measured against peers in the same run (``make bench``; see ``bench/README.md``).

``python -m bench`` runs them; each module is one benchmark (its docstring says how it measures),
``csms.py`` is the central system every contender talks to, ``chargepoints.py`` the charge points
compared, ``procs.py`` the process plumbing, ``prefill.py`` the data a station starts with and
``report.py`` the table and the JSON.
"""
