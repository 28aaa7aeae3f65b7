"""Benchmark network loading: first load from OSM XML (parse, simplify, speeds, projection) vs the cache.

Run from the repository root: ``python bench/bench_network_load.py [FILE]``; default is the Shanghai
extract ``../shared/data/osm/shanghai_center.osm``. The target is a cache load of at most 1 s.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from routing.network import load_network  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "osm" / "shanghai_center.osm"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        network = load_network(source, cache_dir=cache)
        first = time.perf_counter() - start
        cached = []
        for _ in range(3):
            start = time.perf_counter()
            load_network(source, cache_dir=cache)
            cached.append(time.perf_counter() - start)
    print(f"{source.name}: {network.graph.number_of_nodes():,} nodes, {len(network.edges):,} edges, "
          f"{network.crs}")
    print(f"first load (parse + simplify + speeds + projection + cache write): {first:.2f} s")
    print(f"cache load: best {min(cached):.3f} s, worst {max(cached):.3f} s (target <= 1 s)")


if __name__ == "__main__":
    main()
