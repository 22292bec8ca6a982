"""Run every benchmark and write its table under ``benchmarks/results/``."""

from __future__ import annotations

from benchmarks import bench_import


def main() -> None:
    print(bench_import.run())


if __name__ == "__main__":
    main()
