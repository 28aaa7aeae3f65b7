"""Hazardous waste, one small module per concern.

- ``codes``: the national list's categories and codes the project ships (app/data/), and declaration checks.
- ``batches``: the waste profile written with a waste batch's generation, and reading profiles back.
- ``scope``: whether a disposer's 危险废物经营许可证 covers a waste and a disposal method.
- ``manifests``: transfer manifests (转移联单) from creation to disposal.
- ``storage``: waste stored at its generator longer than allowed raises an alert.
"""
