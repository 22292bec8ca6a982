"""Run every benchmark and write its table under ``benchmarks/results/``."""

from __future__ import annotations

from benchmarks import bench_import, bench_load, bench_roster, bench_staffing


def main() -> None:
    print(bench_import.run())
    print(bench_staffing.run())
    print(bench_roster.run())
    print(bench_load.run())


if __name__ == "__main__":
    main()
