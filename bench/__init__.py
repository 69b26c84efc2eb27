"""twostep's benchmarks against its peers (issue 7): `python -m bench [name ...]`, or `make bench`.

Every table compares numbers measured in the same run on the same machine; see docs/performance.md.
"""
