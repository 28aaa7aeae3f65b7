import matplotlib
import pytest

from routing._errors import RoutingInputError
from routing.checks import check_track
from routing.planner import plan_route
from routing.plot import ATTRIBUTION, check_plot_path, plot_check, plot_route
from routing.tracks import track_from_frame

from tests.routing.simulate import drive


def test_check_picture_with_attribution(tmp_path, shanghai, demo_corridor, corridor_line):
    track = track_from_frame(drive(corridor_line, shanghai).frame)
    result = check_track(track, demo_corridor)
    png = plot_check(tmp_path / "check.png", track, demo_corridor, result, shanghai)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # keep text as text to find it
        svg = plot_check(tmp_path / "check.svg", track, demo_corridor, result)
    text = svg.read_text(encoding="utf-8")
    assert ATTRIBUTION in text and "compliant" in text


def test_route_picture(tmp_path, shanghai):
    route = plan_route(shanghai, (121.4900, 31.2245), (121.5170, 31.2312))
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        svg = plot_route(tmp_path / "route.svg", shanghai, route)
    assert "OpenStreetMap contributors" in svg.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["map.jpg", "missing-dir/map.png"])
def test_bad_plot_paths(tmp_path, name):
    with pytest.raises(RoutingInputError, match="--plot"):
        check_plot_path(tmp_path / name)


def test_chinese_names_are_drawn_with_a_chinese_font(tmp_path):
    """Issue 19: zone and road names are Chinese; DejaVu Sans draws them as empty boxes ("Glyph missing")."""
    import warnings

    from matplotlib.figure import Figure

    from routing.plot import cjk_fonts

    assert cjk_fonts(), "no Chinese font: install fonts-wqy-zenhei (.ci/run does)"
    figure = Figure(figsize=(2, 1))
    figure.text(0.1, 0.5, "北侧禁入区 500 m")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.savefig(tmp_path / "names.png")
