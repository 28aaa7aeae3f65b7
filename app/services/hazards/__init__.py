"""Major hazard sources and the risk map.

- ``gb18218``: the tables of GB 18218-2018 (category thresholds and β, α by population, grades).
- ``major_hazard``: S, R and the grade of each site from the ledger's live balances; alerts on crossings.
- ``risk_map``: sites and districts coloured red / orange / yellow / blue, as GeoJSON; ``risk_svg`` draws it.
"""
