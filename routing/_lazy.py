"""Heavy libraries imported on first use, so that a command that never uses them never pays for them.

``hazledger --help`` or ``ledger verify`` builds the app, which imports every API module, which import the
services and the routing engine; pandas, geopandas, osmnx (and through it matplotlib) took most of the 2.8 s of
CPU such a command cost. A module names them with ``pd = lazy("pandas")`` (the real import under
``TYPE_CHECKING``, for the type checker) and uses them as usual: the import happens when an attribute is first read.
"""
from __future__ import annotations

import importlib
import types
from typing import Any


class LazyModule(types.ModuleType):
    """Stands for the module of its name; imports it when one of its attributes is first read."""

    def __getattr__(self, attr: str) -> Any:
        # Only reached for names not set on the proxy: every attribute of the module, read through each time (a
        # test's monkeypatch of the real module is seen; setting one on the proxy shadows it, as on a module).
        module = self.__dict__.get("_module")
        if module is None:
            module = importlib.import_module(self.__name__)
            self.__dict__["_module"] = module
        return getattr(module, attr)


def lazy(name: str) -> Any:
    """A stand-in for ``import name`` that imports the module when it is first used."""
    return LazyModule(name)
