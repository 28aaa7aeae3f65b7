import pytest

from routing._errors import RoutingInputError
from routing.cargo import cargo_from_un, load_catalogue, normalise_un, parse_tunnel_code


def test_gasoline_is_class_3_with_code_d_e(catalogue):
    cargo = cargo_from_un(["UN1203"], catalogue)
    assert cargo.hazard_classes == {"3"}
    assert cargo.tunnel_code == "D/E"
    assert cargo.closed_tunnel_categories == {"D", "E"}
    assert cargo.water_polluting and cargo.dangerous


def test_packaged_goods_take_the_laxer_half(catalogue):
    assert cargo_from_un(["1203"], catalogue, tank=False).closed_tunnel_categories == {"E"}


def test_mixed_load_takes_the_most_restrictive_code(catalogue):
    # Chlorine (UN1017, class 2, code C/D) with gasoline: C/D closes more tunnels than D/E.
    cargo = cargo_from_un(["1203", "1017"], catalogue)
    assert cargo.tunnel_code == catalogue["1017"].tunnel_code == "C/D"
    assert cargo.closed_tunnel_categories == {"C", "D", "E"}
    assert cargo.hazard_classes == {"2", "3"}


def test_compressed_gas_is_not_water_polluting(catalogue):
    assert not cargo_from_un(["1017"], catalogue).water_polluting


def test_no_cargo_is_not_dangerous(catalogue):
    cargo = cargo_from_un([], catalogue)
    assert not cargo.dangerous and not cargo.closed_tunnel_categories


@pytest.mark.parametrize(("text", "number"), [("UN1203", "1203"), ("un 1203", "1203"), ("4", "0004")])
def test_normalise_un(text, number):
    assert normalise_un(text) == number


def test_unknown_or_malformed_un_numbers_are_refused(catalogue):
    with pytest.raises(RoutingInputError, match="UN9999"):
        cargo_from_un(["9999"], catalogue)
    with pytest.raises(RoutingInputError, match="not a UN number"):
        normalise_un("gasoline")


@pytest.mark.parametrize(("cell", "code"), [("2 (D/E)", "D/E"), ("1 (B1000C)", "B1000C"), ("- (-)", "-"),
                                            ("None", None), ("", None)])
def test_parse_tunnel_code(cell, code):
    assert parse_tunnel_code(cell) == code


def test_catalogue_needs_its_columns(tmp_path):
    bad = tmp_path / "un.csv"
    bad.write_text("number,name\n1203,petrol\n", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="needs the columns"):
        load_catalogue(bad)
    with pytest.raises(RoutingInputError, match="cannot read"):
        load_catalogue(tmp_path / "missing.csv")
