"""Reference data the project ships (see README.md here for sources)."""
from pathlib import Path

#: A small catalogue of common Chinese hazardous chemicals with their regulatory flags.
SEED_CATALOGUE = Path(__file__).resolve().with_name("chemicals_cn_seed.csv")
SEED_SOURCE = "cn_seed"
#: 国家危险废物名录 (2021): every category, and the eight-digit codes the project states as facts.
WASTE_CATEGORIES = Path(__file__).resolve().with_name("hw_categories_2021.csv")
WASTE_CODES = Path(__file__).resolve().with_name("hw_codes_2021.csv")
#: GB 18218-2018 Table 1, the excerpt the project states as facts (with Table 3's β and Table 2 categories).
GB18218_TABLE1 = Path(__file__).resolve().with_name("gb18218_table1.csv")
