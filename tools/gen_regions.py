#!/usr/bin/env python3
"""Regenerate crates/spor-sdc/data/regions.tsv: each ISO 3166-1 country's UN M49 subregion
and continent, for merging small nationalities before suppression.

Containment is CLDR's territoryContainment (supplementalData.xml, Debian package
`unicode-cldr-core`); Danish region names are CLDR's (via `babel`). Nothing is typed by hand.
Run: apt-get install unicode-cldr-core && pip install babel && python3 tools/gen_regions.py
"""
import pathlib
import xml.etree.ElementTree as ET

from babel import Locale

SUPPLEMENTAL = pathlib.Path("/usr/share/unicode/cldr/common/supplemental/supplementalData.xml")
ROOT = pathlib.Path(__file__).resolve().parent.parent

tree = ET.parse(SUPPLEMENTAL)
# The XML carries no release number; the Debian package does.
version = __import__("subprocess").run(
    ["dpkg-query", "-W", "-f", "${Version}", "unicode-cldr-core"], capture_output=True, text=True
).stdout or "?"
contains = {}
for g in tree.getroot().iter("group"):
    # "grouping" groups (EU, Sub-Saharan Africa …) and deprecated codes are not the M49 tree.
    if g.get("status") in ("grouping", "deprecated") or g.get("grouping") == "true":
        continue
    contains.setdefault(g.get("type"), []).extend(g.get("contains").split())
parent = {child: group for group, children in contains.items() for child in children}

da = Locale("da")
countries = [
    line.split("\t")[0]
    for line in (ROOT / "crates/spor-core/data/countries.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#") and not line.startswith("code\t")
]
rows = []
for code in countries:
    sub = parent.get(code)
    cont = parent.get(sub) if sub else None
    if sub is None or cont is None or cont == "001":
        continue  # Antarctica and other codes outside the M49 tree stay unmerged: "Øvrige lande"
    rows.append((code, sub, da.territories[sub], cont, da.territories[cont]))

out = ROOT / "crates/spor-sdc/data/regions.tsv"
with out.open("w", encoding="utf-8") as f:
    f.write("# UN M49 containment from CLDR supplementalData.xml (unicode-cldr-core %s); Danish names from CLDR (babel %s)\n"
            % (version, __import__("babel").__version__))
    f.write("code\tsubregion\tsubregion_da\tcontinent\tcontinent_da\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(len(rows), "countries written to", out)
