"""The package ``models`` imports a model's module when one of its names is asked for (issue 18: a command that
uses two tables does not declare forty), so each module must stand alone: its relationships name only models of
modules it imports itself."""
import importlib
import subprocess
import sys

import pytest

import models
from tests.paths import REPO

MODULES = sorted(set(models._MODULES.values()))


@pytest.mark.parametrize("module", MODULES)
def test_each_model_module_configures_its_mappers_alone(module):
    """A fresh interpreter imports the one module and configures every mapper it declared (a relationship to a
    model no module imported fails here: "expression 'Waybill' failed to locate a name")."""
    code = f"import {module}, sqlalchemy.orm; sqlalchemy.orm.configure_mappers(); print('configured')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.stdout.strip() == "configured", done.stderr


def test_every_exported_name_is_in_the_table_and_resolves():
    assert set(models.__all__) - {"Base"} == set(models._MODULES)
    for name, module in models._MODULES.items():
        assert getattr(models, name) is getattr(importlib.import_module(module), name), name


def test_base_brings_every_table_and_an_unknown_name_is_an_attribute_error():
    """``from models import Base`` (Alembic's env, the schema tests) holds every table, whatever was imported."""
    code = "from models import Base; import sys; print(len(Base.metadata.tables))"
    alone = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    models.load_all()
    assert int(alone.stdout) == len(models.Base.metadata.tables) > 40
    with pytest.raises(AttributeError):
        models.NoSuchModel  # noqa: B018
    with pytest.raises(ImportError):
        exec("from models import NoSuchModel", {})
