"""Where the tests find the reference data: ../shared/data beside the checkout, and the repo's geodata/."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SHANGHAI_OSM = SHARED_DATA / "osm" / "shanghai_center.osm"
FUTIAN_GRAPHML = SHARED_DATA / "osm" / "shenzhen_futian.graphml"
UN_CSV = SHARED_DATA / "dangerous_goods" / "un_numbers_adr.csv"
DEMO_CORRIDOR = REPO / "geodata" / "demo_corridor_shanghai.geojson"
