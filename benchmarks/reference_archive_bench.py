"""Answer-archive search latency over 100,000 published entries: median and p95 per query class.

Builds ``--entries`` synthetic knowledge-base entries (default 100,000; Lithuanian-like text run
through the same analyzer as the catalogue) in a test database (``TEST_DATABASE_NAME``, default
``test_skaitykla_reference_bench``), then times ``selectors.search_entries`` (what the archive page
and the API call: full-text candidates, ranking, the rows) and, as the baseline in the same run,
an unindexed ``LIKE`` scan over the same stored terms. Target (issue 7): p95 <= 50 ms.

    .venv/bin/python benchmarks/reference_archive_bench.py [--entries N] [--rounds R]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skaitykla \
        .venv/bin/python benchmarks/reference_archive_bench.py
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skaitykla.settings")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ.setdefault("TEST_DATABASE_NAME", "test_skaitykla_reference_bench")

STEMS = (  # noqa: SIM905 - a word list reads best as text
    "dvar knyg istorij kalb raš genealogij archyv metrik bibliotek katalog skaitykl paveld "
    "pil miest kaim up jūr giri sod gėl muzik teatr dail fotograf žemėlap laikrašt žurnal "
    "mokykl universitet vadovėl gramatik žodyn poezij roman pasak legend karal kunigaikšt "
    "bažnyči vienuolyn tiltas kelias geležinkel laiv lėktuv ūki gyvul medži miš vėj sniegas "
    "vasar žiem pavasar rudenį šventė tradicij valg receptas sveikat ligonin gydytoj teis "
    "įstatym konstitucij seim rinkim partij karas sukilim partizan tremtis emigracij išeivij "
    "amerik lenkij rusij latvij vokieti sport krepšin futbol šachmat"
).split()
ENDINGS = ("as", "ai", "o", "ų", "ui", "ą", "e", "ose", "ams", "a", "os", "ą", "ių", "is", "us")
QUERY_CLASSES = {
    "one word": ["dvaras", "knygų", "metrikos", "poezija", "krepšinis", "tremties"],
    "two words": ["dvarų istorija", "lietuvių kalba", "partizanų karas", "miesto teatras"],
    "three words": ["kaimo sodas gėlės", "universiteto bibliotekos katalogas"],
    "rare": ["šachmatų žodynas", "lėktuvų receptas"],
    "no hits": ["zzzyx qqq"],
}


SYLLABLES = ("ka", "la", "ve", "ru", "ži", "mo", "tė", "ša", "gu", "pi", "dro", "kle", "sma", "vy")


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """The stems above plus made-up ones, most frequent first (Zipf-like draws below)."""
    made_up = {
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size)
    }
    return STEMS + sorted(made_up - set(STEMS))


VOCABULARY: list[str] = []
CUMULATIVE: list[float] = []


def _words(rng: random.Random, words: int) -> list[str]:
    if not VOCABULARY:
        VOCABULARY.extend(_vocabulary(random.Random(1)))
        CUMULATIVE.extend(itertools.accumulate(1 / (rank + 10) for rank in range(len(VOCABULARY))))
    drawn = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=words)
    return [stem + rng.choice(ENDINGS) for stem in drawn]


def build(entries: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from skaitykla.catalogue.search.analyzer import analyze_to_text
    from skaitykla.core.models import Library
    from skaitykla.reference.models import KnowledgeBaseEntry

    if KnowledgeBaseEntry.objects.count() >= entries:
        return
    library, _created = Library.objects.get_or_create(code="LT-BENCH", defaults={"name": "Bench"})
    rng = random.Random(7)
    now = timezone.now()
    batch: list[KnowledgeBaseEntry] = []
    started = time.perf_counter()
    terms: dict[str, str] = {}  # word -> the analyzer's term (the same chain, computed once)

    def analyzed(*parts: list[str]) -> str:
        out = []
        for part in parts:
            for word in part:
                term = terms.get(word)
                if term is None:
                    term = terms[word] = analyze_to_text(word)
                if term:
                    out.append(term)
        return " ".join(out)

    for _number in range(entries):
        title_words, question_words = _words(rng, 4), _words(rng, 14)
        answer_words = _words(rng, 30)
        title, question = " ".join(title_words), " ".join(question_words)
        answer = " ".join(answer_words)
        batch.append(
            KnowledgeBaseEntry(
                library=library,
                title=title,
                question_text=question,
                answer_html=f"<p>{answer}</p>",
                keywords="",
                published_at=now,
                terms=analyzed(title_words, question_words, answer_words),
            )
        )
        if len(batch) == 5000:
            with transaction.atomic():
                KnowledgeBaseEntry.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            KnowledgeBaseEntry.objects.bulk_create(batch)
    print(f"built {entries:,} entries in {time.perf_counter() - started:.1f} s")


def _baseline(text: str, limit: int = 20) -> list[int]:
    """An unindexed scan: every query term as a LIKE pattern on the stored terms."""
    from skaitykla.reference.models import KnowledgeBaseEntry
    from skaitykla.reference.selectors import query_terms

    rows = KnowledgeBaseEntry.objects.all()
    for term in query_terms(text):
        rows = rows.filter(terms__contains=term)
    return list(rows.order_by("-published_at").values_list("pk", flat=True)[:limit])


def _measure(function, queries: list[str], rounds: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    hits = 0
    for _round in range(rounds):
        for query in queries:
            started = time.perf_counter()
            found = function(query)
            latencies.append((time.perf_counter() - started) * 1000)
            hits = max(hits, len(found))
    return latencies, hits


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--baseline-rounds", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    options, _unknown = parser.parse_known_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from skaitykla.reference.selectors import search_entries

    setup_test_environment()
    with contextlib.redirect_stdout(io.StringIO()):
        test_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=options.keep, serialize=False
        )
    try:
        build(options.entries)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE reference_knowledgebaseentry")
        version = getattr(connection, "pg_version", "")
        print(
            f"{connection.vendor} {version or ''} python {platform.python_version()} "
            f"entries {options.entries:,}"
        )
        print(
            "| class | index median ms | index p95 ms | baseline median ms "
            "| baseline p95 ms | hits |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        every: list[float] = []
        for kind, queries in QUERY_CLASSES.items():
            for query in queries:  # warm up
                search_entries(query)
            indexed, hits = _measure(search_entries, queries, options.rounds)
            baseline, _hits = _measure(_baseline, queries, options.baseline_rounds)
            every.extend(indexed)
            print(
                f"| {kind} | {statistics.median(indexed):.2f} | {_p95(indexed):.2f} | "
                f"{statistics.median(baseline):.1f} | {_p95(baseline):.1f} | {hits} |"
            )
        overall = _p95(every)
        print(
            f"overall p95 {overall:.2f} ms (target <= 50 ms): {'PASS' if overall <= 50 else 'FAIL'}"
        )
        return 0 if overall <= 50 else 1
    finally:
        if not options.keep:
            with contextlib.redirect_stdout(io.StringIO()):
                connection.creation.destroy_test_db(test_name, verbosity=0, keepdb=False)


if __name__ == "__main__":
    raise SystemExit(main())
