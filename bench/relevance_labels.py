"""Build the labelled set of tests/data/relevance_labels.jsonl, which
bench/relevance_eval.py and tests/test_relevance.py score.

Usage: python -m bench.relevance_labels [--realdata DIR] [--seeds DIR] [--out FILE]

One JSON object a line: id, language, label (relevant / irrelevant: is the article about
the coalition's war against ISIS?), title, text, origin (where it comes from). From:

- every sample-site article (archive/samplesites/sites/*/articles/*.toml): title and
  body, labelled by hand (the toml's kind = "unrelated" ones are the irrelevant ones);
- the seeds (../shared/seeds/): real articles of TRT World, France 24, INA, China
  Topix and NINA as a naive extraction left them, boilerplate included; all relevant;
- real pages of ../shared/realdata/ in English, French and Arabic (REAL_PAGES, labelled
  by hand after reading them), extracted by this project's extractor (real
  trafilatura); their text is cut at MAX_REAL_WORDS words, so that the set keeps no
  whole article of another publisher;
- articles written for the set (bench/relevance_written.py), Arabic and French above all,
  with the hard cases; the last of them (HELD_OUT, split "heldout") were written after
  the lexicon's weights and threshold were chosen on the others (split "dev").

Labels are a reader's judgement, made before looking at the scores; the set was used to
choose the lexicon's weights and threshold, so its figures are not those of unseen
articles (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import tomllib
from pathlib import Path

from archive.extract.text import extract_html
from bench.relevance_written import HELD_OUT, WRITTEN

REPO = Path(__file__).resolve().parent.parent
SITES = REPO / "archive" / "samplesites" / "sites"
DEFAULT_OUT = REPO / "tests" / "data" / "relevance_labels.jsonl"
DEFAULT_REALDATA = REPO.parent / "shared" / "realdata"
DEFAULT_SEEDS = REPO.parent / "shared" / "seeds"
MAX_REAL_WORDS = 600
REL, IRR = "relevant", "irrelevant"

# (path under realdata, language, label): read by hand. Pages in other languages, and
# copies of a page already listed, are left out.
REAL_PAGES: list[tuple[str, str, str]] = [
    # Arabic. CNN Arabic 2013: Syrian rebels, and the "Islamic State of Iraq and Syria"
    # fighting the Kurds near Ras al-Ain: the war against ISIS, if before the coalition.
    ("benchmark/goose3-tests/content/test_cnn_arabic.html", "ar", REL),
    ("benchmark/htmldate-mediacloud2020/html/1550981615.html.gz", "ar", IRR),  # Egypt, Covid
    ("benchmark/htmldate-mediacloud2020/html/1623715966.html.gz", "ar", IRR),  # UAE, Afghan envoy
    ("benchmark/htmldate-mediacloud2020/html/1784190729.html.gz", "ar", IRR),  # Iran, burial
    ("benchmark/htmldate-mediacloud2020/html/1806793639.html.gz", "ar", IRR),  # Egypt, celebrity
    ("benchmark/trafilatura-eval/html/assabah.com.tn.article.html.gz", "ar", IRR),  # Sudan
    # French
    ("benchmark/goose3-tests/content/test_issue4.html", "fr", IRR),
    ("benchmark/goose3-tests/content/test_liberation.html", "fr", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1551001635.html.gz", "fr", IRR),  # football
    ("benchmark/htmldate-mediacloud2020/html/1556056486.html.gz", "fr", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1560424903.html.gz", "fr", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1691900941.html.gz", "fr", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1806102460.html.gz", "fr", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1808011241.html.gz", "fr", IRR),  # football
    ("benchmark/trafilatura-eval/html/aoc.media.archaisme.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/arteradio.com-nuls.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/blog.mondediplo.net.turpitude.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/bondyblog.fr.paris-8.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/dalloz-actualite.fr.raoult.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/dw.com-elephants.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/francais.radio.cz-ministre.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/france.attc.org-privatisations.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/franceculture.fr.idees.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/gala.fr.surnom.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/lapresse.tn.parite.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/ledevoir.com.trottinettes.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/legrandcontinent.eu.heran.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/lopinion.fr.glyphosate.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/regards.fr.enquetes.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/sciencesetavenir.fr.rumeur.html.gz", "fr", IRR),
    ("benchmark/trafilatura-eval/html/sports.fr.lorient.html.gz", "fr", IRR),  # football
    ("html/france24/france24.com_fr_20171021-chine-charbon-centrale-etranger-energie-"
     "environnement-leader-climat.html", "fr", IRR),
    ("html/postlight-parser/ici.radio-canada.ca.html", "fr", IRR),
    ("html/postlight-parser/www.lemonde.fr.html", "fr", IRR),  # economy
    # English
    ("benchmark/newspaper3k-tests/html/talkingpointsmemo.com1.html", "en", REL),  # Kobane
    ("benchmark/newspaper3k-tests/html/dailycaller.com2.html", "en", IRR),  # names ISIS once
    ("html/postlight-parser/www.nytimes.com.html", "en", IRR),  # New York bombings
    ("html/postlight-parser/www.huffingtonpost.com.html", "en", IRR),
    ("html/postlight-parser/www.westernjournalism.com.html", "en", IRR),  # Berlin attacker
    ("benchmark/htmldate-mediacloud2020/html/1536545428.html.gz", "en", IRR),  # Idlib, 2020
    ("benchmark/htmldate-mediacloud2020/html/1587149671.html.gz", "en", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1485102321.html.gz", "en", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1676872902.html.gz", "en", IRR),
    ("html/postlight-parser/www.washingtonpost.com.html", "en", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1566930342.html.gz", "en", IRR),
    ("benchmark/newspaper3k-tests/html/businessweek.com1.html", "en", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1627298010.html.gz", "en", IRR),
    ("html/postlight-parser/www.prospectmagazine.co.uk.html", "en", IRR),
    ("benchmark/newspaper3k-tests/html/telegraph.co.uk1.html", "en", IRR),
    ("benchmark/newspaper3k-tests/html/space.com1.html", "en", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1777898598.html.gz", "en", IRR),
    ("html/postlight-parser/www.nytimes.com--recent.html", "en", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1720539463.html.gz", "en", IRR),
    ("html/postlight-parser/www.latimes.com.html", "en", IRR),
    ("benchmark/newspaper3k-tests/html/cricket.com.au1.html", "en", IRR),  # cricket
    ("benchmark/newspaper3k-tests/html/bloomberg.com1.html", "en", IRR),  # economy
    ("benchmark/newspaper3k-tests/html/technologyreview.com1.html", "en", IRR),
    ("benchmark/htmldate-mediacloud2020/html/1805697156.html.gz", "en", IRR),  # television
    ("benchmark/htmldate-mediacloud2020/html/1599860291.html.gz", "en", IRR),  # football
    ("html/postlight-parser/www.theguardian.com.html", "en", IRR),
    ("benchmark/newspaper3k-tests/html/cnn_article.html", "en", IRR),  # weather
    ("benchmark/htmldate-mediacloud2020/html/1556635225.html.gz", "en", IRR),  # books
    ("benchmark/newspaper3k-tests/html/theglobeandmail.com1.html", "en", IRR),
    ("html/postlight-parser/www.cnn.com.html", "en", IRR),
    ("benchmark/newspaper3k-tests/html/cleveland.com2.html", "en", IRR),  # books
    ("html/postlight-parser/www.nytimes.com--feature.html", "en", IRR),  # museum
]

# Sample-site articles whose toml has no kind = "unrelated" are about the coalition's
# war (read one by one); the unrelated ones are sports, economy, culture, technology.


def _item(n: int, language: str, label: str, title: str, text: str, origin: str,
          split: str = "dev") -> dict[str, object]:
    return {"id": n, "language": language, "label": label, "title": title,
            "text": text.strip(), "origin": origin, "split": split}


def sample_site_items() -> list[tuple[str, str, str, str, str]]:
    items = []
    for path in sorted(SITES.glob("*/articles/*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        label = IRR if data.get("kind") == "unrelated" else REL
        items.append((data.get("language", "en"), label, data["title"], data["body"],
                      f"sample site: {path.relative_to(REPO)}"))
    return items


def seed_items(seeds: Path) -> list[tuple[str, str, str, str, str]]:
    items = []
    for path in sorted(seeds.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        title = next(line.strip() for line in lines if line.strip()
                     and line.strip() not in ("Skip to main content", "CHINA TOPIX"))
        items.append(("en", REL, title, "\n".join(lines), f"seed: shared/seeds/{path.name}"))
    return items


def real_items(realdata: Path) -> list[tuple[str, str, str, str, str]]:
    items = []
    for relative, language, label in REAL_PAGES:
        body = (realdata / relative).read_bytes()
        if relative.endswith(".gz"):
            body = gzip.decompress(body)
        result = extract_html(body, "https://example.org/", captured_at="2024-01-01")
        if result.status != "ok":
            raise SystemExit(f"{relative}: extraction {result.status}")
        text = " ".join(result.text.split(" ")[:MAX_REAL_WORDS])
        items.append((language, label, result.title, text,
                      f"real page: shared/realdata/{relative} (text cut at "
                      f"{MAX_REAL_WORDS} words)"))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    written = [(lang, label, title, text, "written for the set: bench/relevance_written.py")
               for lang, label, title, text in WRITTEN]
    held_out = [(lang, label, title, text, "written for the set: bench/relevance_written.py",
                 "heldout") for lang, label, title, text in HELD_OUT]
    every = [*sample_site_items(), *seed_items(args.seeds), *real_items(args.realdata),
             *written, *held_out]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for n, fields in enumerate(every, 1):
            out.write(json.dumps(_item(n, *fields), ensure_ascii=False) + "\n")
    print(f"{len(every)} items written to {args.out}")


if __name__ == "__main__":
    main()
