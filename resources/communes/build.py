"""Regenerate communes.tsv.gz from the npm package @etalab/decoupage-administratif.

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0
    python resources/communes/build.py /tmp/etalab-decoupage-administratif-6.0.0.tgz

Keeps what a citizen says they live in: every inhabited current commune (metropolitan, overseas
départements and collectivités) and the arrondissements municipaux of Paris, Lyon and Marseille.
Left out: communes déléguées and associées (their code is often the new commune's own, so it would
name two places), and places without inhabitants (TAAF, Clipperton, the "villages morts" of Verdun).
The gzip header carries no time, so the same package gives the same bytes.
"""

import gzip
import json
import sys
import tarfile
from pathlib import Path

KEPT = ("commune-actuelle", "arrondissement-municipal")
TARGET = Path(__file__).with_name("communes.tsv.gz")


def build(tarball: Path) -> None:
    with tarfile.open(tarball) as archive:
        package = json.load(archive.extractfile("package/package.json"))
        communes = json.load(archive.extractfile("package/data/communes.json"))
    kept = sorted(
        (c["code"], c["departement"], c["nom"]) for c in communes if c["type"] in KEPT and c.get("population")
    )
    header = f"# {package['name']} {package['version']}, Licence Ouverte (Etalab), INSEE COG\n"
    lines = header + "".join(f"{code}\t{dep}\t{name}\n" for code, dep, name in kept)
    with TARGET.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(lines.encode("utf-8"))
    print(f"{len(kept)} communes → {TARGET} ({TARGET.stat().st_size // 1024} Kio)")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
