"""The benchmark harness: test bed, peers' virtualenvs, measured subprocess runs, report."""
