"""Reference data the project ships (see README.md here for sources)."""
from pathlib import Path

#: A small catalogue of common Chinese hazardous chemicals with their regulatory flags.
SEED_CATALOGUE = Path(__file__).resolve().with_name("chemicals_cn_seed.csv")
SEED_SOURCE = "cn_seed"
