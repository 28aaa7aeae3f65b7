import numpy as np
import pandas as pd
import pytest

from routing.cargo import Cargo
from routing.restrictions import Vehicle, closure_reasons, parse_limit, tunnel_categories

GASOLINE = Cargo(un_numbers=("1203",), hazard_classes=frozenset({"3"}), tunnel_code="D/E",
                 closed_tunnel_categories=frozenset({"D", "E"}), water_polluting=True)


@pytest.fixture
def edges():
    return pd.DataFrame({
        "hazmat": [None, "no", None, None, None, None, None, None, None],
        "hazmat:water": [None, None, "no", None, None, None, None, None, None],
        "tunnel": [None, "yes", None, "yes", "yes", "yes", None, None, None],
        "hazmat:adr_tunnel_cat": [None, None, None, "C", None, None, None, None, None],
        "hazmat:E": [None, None, None, None, "no", None, None, None, None],
        "hgv": [None, "no", None, None, None, None, "no", None, None],
        "maxweight": [None, None, None, None, None, None, None, "20", None],
        "maxheight": [None, None, None, None, None, None, None, None, "3.2 m"],
    })


def test_nothing_is_closed_without_cargo_or_vehicle(edges):
    assert (closure_reasons(edges) == "").all()


def test_gasoline_closures(edges):
    reasons = closure_reasons(edges, GASOLINE).tolist()
    assert reasons[1] == "hazmat=no"
    assert reasons[2] == "hazmat:water=no"
    assert reasons[3] == ""  # category C tunnel: D/E does not forbid it
    assert reasons[4].startswith("tunnel category")  # hazmat:E=no marks a category E tunnel
    assert reasons[5] == ""  # untagged tunnel: category A by default
    assert reasons[6:] == ["", "", ""]  # hgv and limits need a vehicle


def test_strict_untagged_tunnels(edges):
    reasons = closure_reasons(edges, GASOLINE, untagged_tunnel_category="E")
    assert reasons[5].startswith("tunnel category")


def test_vehicle_limits(edges):
    reasons = closure_reasons(edges, None, Vehicle(weight_t=25.0, height_m=3.5)).tolist()
    assert reasons[1] == "hgv=no" and reasons[6] == "hgv=no"  # over 3.5 t is an HGV
    assert reasons[7] == "maxweight below vehicle weight"
    assert reasons[8] == "maxheight below vehicle height"
    light = closure_reasons(edges, None, Vehicle(weight_t=3.0, height_m=3.0))
    assert (light == "").all()


def test_tunnel_categories(edges):
    assert tunnel_categories(edges).tolist() == ["", "A", "", "C", "E", "A", "", "", ""]


def test_parse_limit():
    weights = parse_limit(pd.Series(["30", "7.5 t", "3500 kg", None, "default"]), unit="t")
    np.testing.assert_allclose(weights.to_numpy(), [30, 7.5, 3.5, np.nan, np.nan])
    heights = parse_limit(pd.Series(["4.2", "3 m", "13'6\"", "none"]), unit="m")
    np.testing.assert_allclose(heights.to_numpy(), [4.2, 3.0, 4.1148, np.nan], atol=1e-4)
