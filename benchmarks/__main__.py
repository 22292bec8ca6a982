"""Run every benchmark and write its table under ``benchmarks/results/``."""

from __future__ import annotations

from benchmarks import bench_import, bench_staffing


def main() -> None:
    print(bench_import.run())
    print(bench_staffing.run())


if __name__ == "__main__":
    main()
