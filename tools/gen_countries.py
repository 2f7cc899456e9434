#!/usr/bin/env python3
"""Regenerate crates/spor-core/data/countries.tsv.

The list of codes is ISO 3166-1 alpha-2 as published in Debian's iso-codes (via the
`pycountry` package); the Danish and English names are CLDR's (via `babel`). Nothing is
typed by hand. Run: pip install babel pycountry && python3 tools/gen_countries.py
"""
import pathlib

import pycountry
from babel import Locale

da, en = Locale("da"), Locale("en")
rows = []
for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
    code = c.alpha_2
    rows.append((code, da.territories.get(code, c.name), en.territories.get(code, c.name)))
out = pathlib.Path(__file__).resolve().parent.parent / "crates/spor-core/data/countries.tsv"
with out.open("w", encoding="utf-8") as f:
    f.write("# ISO 3166-1 alpha-2; names from CLDR (babel %s), codes from iso-codes (pycountry %s)\n"
            % (__import__("babel").__version__, __import__("importlib.metadata").metadata.version("pycountry")))
    f.write("code\tda\ten\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(len(rows), "countries written to", out)
