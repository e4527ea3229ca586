"""Quality benchmark: extraction (direct and crawled) on the corpus, dedup on a generated set; one command.

    PYTHONPATH=. python -m benchmarks.quality [--limit N] [--skip-crawl] [--skip-dedup] [--seed S] [--keep DIR]

Prints compact tables: our figures beside plain trafilatura's, measured in the same run. See
benchmarks/README.md ("Quality") for what is measured and how.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import datasketch
import trafilatura

from benchmarks.corpus import CorpusPage, load_corpus, score
from benchmarks.dedup_quality import (
    CrawledSet,
    PairMatrix,
    PairScore,
    kind_stats,
    read_crawl,
    scheme_matrix,
    score_labels,
)
from benchmarks.dedup_set import NEGATIVES, VARIANTS, DedupSet, build_dedup_set, source_stories
from benchmarks.extraction_quality import (
    FIELDS,
    Extracted,
    accuracy,
    extract_ours,
    extract_plain,
    extract_plain_without_comments,
    loss_causes,
    missing_articles,
    page_classes,
    read_crawled,
    scores_by_class,
)
from benchmarks.harness import OUT, run_crawl, start_crawl
from benchmarks.sites import serve_corpus, serve_sites
from crawler import settings as crawl_defaults
from dedup import SignatureScheme
from dedup.index import optimal_bands

# The targets for our pipeline.
TARGET_F1, TARGET_PRECISION, TARGET_CRAWL_DELTA = 0.935, 0.925, 0.002
TARGET_PAIR_PRECISION, TARGET_PAIR_RECALL = 0.99, 0.97
CONTAINMENT = 0.8  # the teaser index's containment threshold, tried here for articles cut short
# Containment only rescues a copy cut short if LSH makes it a candidate, and its Jaccard is low:
# the containment column bands as for a threshold of at most this.
CONTAINMENT_BANDING = 0.5
SWEEP = [round(0.30 + 0.05 * k, 2) for k in range(13)]

# Real crawls of the dedup set. The first (the defaults) is the one the offline sweeps read; the
# others check that the offline figures are what a crawl with those settings does.
DEDUP_CRAWLS: list[tuple[str, dict[str, str]]] = [
    ("defaults: word 3, 128 perm, t 0.6", {}),
    ("t 0.5", {"DEDUP_THRESHOLD": "0.5"}),
    ("t 0.8", {"DEDUP_THRESHOLD": "0.8"}),
    ("word 5, t 0.5", {"DEDUP_SHINGLE_SIZE": "5", "DEDUP_THRESHOLD": "0.5"}),
    ("256 perm, t 0.5", {"DEDUP_NUM_PERM": "256", "DEDUP_THRESHOLD": "0.5"}),
]
# Schemes compared offline, their signatures made again from the stored texts.
SCHEMES = (
    [SignatureScheme(shingle_kind="word", shingle_size=n) for n in (1, 2, 3, 4, 5)]
    + [SignatureScheme(shingle_kind="char", shingle_size=n) for n in (5, 9)]
    + [
        SignatureScheme(num_perm=64),
        SignatureScheme(num_perm=256),
        SignatureScheme(num_perm=256, shingle_size=5),
    ]
)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def signed(x: float) -> str:
    return f"{x:+.4f}"


# --- extraction ---------------------------------------------------------------------------------
@dataclass
class ExtractionRun:
    pages: list[CorpusPage]
    # "plain" (trafilatura.extract as it comes), "plain_nc" (without comments), "ours" and, after a
    # crawl, "crawled"
    systems: dict[str, dict[int, Extracted]]
    seconds: dict[str, float]
    no_article_reasons: dict[int, str]  # the crawl's pages table, for pages it stored no article from
    served: str  # base URL the corpus was served at

    @property
    def crawled(self) -> bool:
        return "crawled" in self.systems


def measure_extraction(pages: list[CorpusPage], workdir: Path, crawl: bool) -> ExtractionRun:
    """Plain and ours directly; meanwhile, in its own process, a real crawl of the served corpus."""
    seconds: dict[str, float] = {}
    systems: dict[str, dict[int, Extracted]] = {}
    reasons: dict[int, str] = {}
    with serve_corpus(pages) as server:
        base = server.base_url
        pending = start_crawl([base + "/sitemap.xml"], workdir / "corpus.db") if crawl else None
        try:
            for name, extract in (
                ("plain", extract_plain),
                ("plain_nc", extract_plain_without_comments),
                ("ours", extract_ours),
            ):
                started = time.perf_counter()
                systems[name] = {p.index: extract(p) for p in pages}
                seconds[name] = time.perf_counter() - started
            if pending is not None:
                run = pending.wait().check()
                systems["crawled"], reasons = read_crawled(run, pages)
                seconds["crawl"] = run.seconds
        finally:
            if pending is not None:
                pending.stop()
    return ExtractionRun(pages, systems, seconds, reasons, base)


COLUMNS = {"plain": "plain", "plain_nc": "plain nc", "ours": "ours"}  # nc: without comments


def print_extraction(run: ExtractionRun) -> None:
    pages, systems = run.pages, run.systems
    timing = ", ".join(f"{name} {s:.0f} s" for name, s in run.seconds.items())
    print(f"\n== Extraction: {len(pages)} corpus pages ({timing}; the crawl runs alongside) ==")
    header = f"{'metric':<18}" + "".join(f"{c:>9}" for c in COLUMNS.values()) + f"{'-plain':>9}{'-plain nc':>10}"
    if run.crawled:
        header += f"{'crawled':>9}{'crawl-ours':>12}"
    print(header + "   target (ours)")

    def row(label: str, values: dict[str, float], target: str = "") -> None:
        line = f"{label:<18}" + "".join(f"{values[n]:>9.4f}" for n in COLUMNS)
        line += f"{signed(values['ours'] - values['plain']):>9}{signed(values['ours'] - values['plain_nc']):>10}"
        if run.crawled:
            line += f"{values['crawled']:>9.4f}{signed(values['crawled'] - values['ours']):>12}"
        print(line + ("   " + target if target else ""))

    scores = {name: score(pages, {i: e.text for i, e in out.items()}) for name, out in systems.items()}
    precision = {n: s.precision for n, s in scores.items()}
    f1 = {n: s.f1 for n, s in scores.items()}
    row("precision", precision, f">= {TARGET_PRECISION} and plain nc  {verdict(_beats(precision, TARGET_PRECISION))}")
    row("recall", {n: s.recall for n, s in scores.items()})
    row("F1", f1, f">= {TARGET_F1} and > plain nc  {verdict(_beats(f1, TARGET_F1, strictly=True))}")
    for field in FIELDS:
        counts = {name: accuracy(pages, out, field) for name, out in systems.items()}
        annotated = counts["plain"][1]
        if not annotated:
            print(f"{field + ' acc (0)':<18}{'n/a':>9}   (no page in the selection has this field)")
            continue
        values = {name: correct / annotated for name, (correct, _) in counts.items()}
        row(f"{field} acc ({annotated})", values, f">= plain  {verdict(values['ours'] >= values['plain'])}")
        # The same, only over pages that ours stores as an article: a page it keeps out (a listing, an
        # "about" page) counts as wrong above, whatever its metadata.
        stored = [p for p in pages if systems["ours"].get(p.index) is not None and systems["ours"][p.index].text]
        shared = {name: accuracy(stored, out, field) for name, out in systems.items()}
        if shared["plain"][1]:
            row(f"  on stored ({shared['plain'][1]})", {n: c / shared["plain"][1] for n, (c, _) in shared.items()})
    with_text = {name: sum(bool(e.text) for e in out.values()) for name, out in systems.items()}
    print(
        f"{'pages with text':<18}"
        + "".join(f"{with_text[n]:>9}" for n in COLUMNS)
        + " " * 19
        + (f"{with_text['crawled']:>9}" if run.crawled else "")
    )
    if run.crawled:
        delta = f1["crawled"] - f1["ours"]
        print(
            f"crawl vs direct: F1 {signed(delta)} "
            f"(|Δ| <= {TARGET_CRAWL_DELTA} {verdict(abs(delta) <= TARGET_CRAWL_DELTA)})"
        )
    print_classes(run)


def _beats(values: dict[str, float], target: float, strictly: bool = False) -> bool:
    """Ours meets ``target`` and is at least as good as plain trafilatura without comments (better if ``strictly``)."""
    baseline = values["plain_nc"]
    return values["ours"] >= target and (values["ours"] > baseline if strictly else values["ours"] >= baseline)


def print_classes(run: ExtractionRun) -> None:
    """F1 and precision of each page class (classes by plain nc's text): ours must not lose on any."""
    systems = {n: run.systems[n] for n in COLUMNS}
    by_class = scores_by_class(run.pages, systems, "plain_nc")
    sizes = Counter(c for p in run.pages for c in page_classes(p, run.systems["plain_nc"][p.index]))
    print(
        f"{'by page class: F1 / precision':<36}" + "".join(f"{c:>18}" for c in COLUMNS.values()) + "   ours >= plain nc"
    )
    for name, scores in by_class.items():
        cells = "".join(f"{scores[n].f1:>9.4f}{scores[n].precision:>9.4f}" for n in COLUMNS)
        ours, theirs = scores["ours"], scores["plain_nc"]
        ok = ours.f1 >= theirs.f1 and ours.precision >= theirs.precision
        print(f"  {f'{name} ({sizes[name]})':<34}{cells}   {verdict(ok)}")


def print_crawl_gap(run: ExtractionRun) -> None:
    """Where the stored text differs from direct extraction, and whether the URL explains it."""
    ours, crawled = run.systems["ours"], run.systems["crawled"]
    stored = {p.index: (crawled[p.index].text if p.index in crawled else "") for p in run.pages}
    skipped_direct = Counter(e.reason or e.kind for e in ours.values() if not e.text)
    print(
        f"  no article, crawl: {dict(sorted(Counter(run.no_article_reasons.values()).items()))}; "
        f"direct: {dict(sorted(skipped_direct.items()))}"
    )
    # The URL is an input of extraction (the teaser finder's self-links, dates in URLs, the host name
    # that tells a site's name from a headline): the crawl fetched each page from the loopback server,
    # not from its own address. Each page is extracted at that address once, for both gaps below.
    at_served: dict[int, Extracted] = {}

    def served(page: CorpusPage) -> Extracted:
        if page.index not in at_served:
            at_served[page.index] = extract_ours(page, run.served + page.path)
        return at_served[page.index]

    print_title_gap(run, served)
    differ = [p for p in run.pages if stored[p.index] != ours[p.index].text]
    if not differ:
        print("  stored text = direct text on every page")
        return
    explained = {p.index for p in differ if served(p).text == stored[p.index]}
    print(
        f"  stored text differs from direct on {len(differ)} pages; direct extraction given the served URL "
        f"instead of the page's own gives the stored text on {len(explained)} of them"
    )
    for p in differ[:5]:
        note = "" if p.index in explained else " (not explained by the URL)"
        print(
            f"  p/{p.index}: direct {len(ours[p.index].text.split())} words, stored "
            f"{len(stored[p.index].split())} words ({run.no_article_reasons.get(p.index, 'article')}){note}"
        )


def print_title_gap(run: ExtractionRun, served: Callable[[CorpusPage], Extracted]) -> None:
    """How many stored titles differ from direct extraction's, and how many the URL explains (``served``:
    a page's extraction at the address the crawl fetched it from)."""
    ours, crawled = run.systems["ours"], run.systems["crawled"]
    differ = [p for p in run.pages if p.index in crawled and crawled[p.index].title != ours[p.index].title]
    if not differ:
        return
    explained = sum(1 for p in differ if served(p).title == crawled[p.index].title)
    print(
        f"  stored title differs from direct on {len(differ)} pages; direct extraction given the served URL "
        f"gives the stored title on {explained} of them"
    )


LOSSES_FILE = OUT / "quality-losses.tsv"


def print_losses(run: ExtractionRun, show: int) -> None:
    """Where ours loses wanted text against plain trafilatura, with and without comments; every such
    page goes to LOSSES_FILE, the biggest are printed."""
    rows = []
    for baseline, label in (("plain_nc", "plain nc"), ("plain", "plain")):
        causes, losses, unwanted = loss_causes(run.pages, run.systems[baseline], run.systems["ours"])
        print(
            f"ours vs {label}: {sum(causes.values())} wanted snippets lost on {len(losses)} pages "
            f"({', '.join(f'{c} {n}' for c, n in causes.most_common())}); unwanted snippets removed "
            f"{unwanted['unwanted_removed']}, let in {unwanted['unwanted_added']}"
        )
        rows += [(label, loss) for loss in losses]
    missing = missing_articles(run.pages, run.systems["plain_nc"], run.systems["ours"])
    print(
        f"pages where plain nc finds 100+ words holding wanted text and ours stores no article: {len(missing)} "
        f"(target 0) {verdict(not missing)}"
        + "".join(
            f"\n  p/{page.index} {page.url} ({reason}; plain nc {words} words)" for page, reason, words in missing
        )
    )
    print(f"biggest losses against plain nc (all in {LOSSES_FILE.relative_to(OUT.parents[1])}):")
    print("  page   host                         cause         lost  plain's words  first lost snippet")
    for _, loss in [r for r in rows if r[0] == "plain nc"][:show]:
        print(
            f"  p/{loss.index:<4} {loss.host[:28]:<28} {loss.cause:<13} {loss.lost:>4}  {loss.plain_words:>12}w  "
            f"{loss.example[:60]!r}"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    urls = {p.index: p.url for p in run.pages}
    with LOSSES_FILE.open("w", encoding="utf-8") as out:
        out.write("against\tpage\turl\tcause\tsnippets_lost\tbaseline_words\tfirst_lost_snippet\n")
        for label, loss in rows:
            example = loss.example.replace("\t", " ")
            out.write(
                f"{label}\t{loss.index}\t{urls[loss.index]}\t{loss.cause}\t{loss.lost}\t{loss.plain_words}\t{example}\n"
            )


# --- dedup --------------------------------------------------------------------------------------
def score_line(result: PairScore) -> str:
    return f"{result.precision:.4f} {result.recall:.4f} {result.negatives_linked:>3}"


def scheme_name(scheme: SignatureScheme) -> str:
    return f"{scheme.shingle_kind} {scheme.shingle_size}, {scheme.num_perm} perm"


def make_dedup_set(limit: int | None, seed: int, known_texts: dict[int, str]) -> DedupSet:
    """The full set (100 originals) or, with --limit, a smaller one; sources come from the whole corpus."""
    originals = 100 if limit is None else min(100, max(10, limit // 4))
    counts = {
        "originals": originals,
        "bylines": math.ceil(0.24 * originals),
        "updates": math.ceil(0.2 * originals),
        "shorts": math.ceil(0.2 * originals),
    }
    needed = counts["originals"] + counts["bylines"] + 2 * counts["updates"] + counts["shorts"]
    return build_dedup_set(source_stories(load_corpus(), needed, seed, known_texts), seed, **counts)


def print_dedup_set(dset: DedupSet, seconds: float) -> None:
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(p.story for p in dset.pages).values())
    originals = sum(p.kind == "original" for p in dset.pages)
    negatives = ", ".join(f"{k} {len(v)}" for k, v in dset.negative_pairs.items())
    print(f"\n== Dedup: generated set, seed {dset.seed} ({seconds:.0f} s to build) ==")
    print(
        f"{len(dset.pages)} pages on {len(dset.sites())} sites from {dset.sources} corpus stories; "
        f"{originals} originals each with {'/'.join(VARIANTS)} copies = {true_pairs} true pairs; "
        f"hard-negative pairs: {negatives}"
    )


def print_crawls(dset: DedupSet, runs: list[tuple[str, float, CrawledSet]], stored: PairMatrix) -> None:
    default = runs[0][2]
    print(
        "\nreal crawls (scrapy crawl news over every site's sitemap); offline = the same parameters "
        "applied to the first crawl's stored texts"
    )
    print(
        f"{'settings':<34}{'secs':>5}  {'P':>6} {'R':>6} {'neg':>3}  "
        + " ".join(f"{k:>8}" for k in VARIANTS)
        + f"  {'offline P R neg':>19}  target"
    )
    for label, seconds, crawled in runs:
        result = score_labels(dset, dict(crawled.roots))
        threshold = float(dict(DEDUP_CRAWLS)[label].get("DEDUP_THRESHOLD", crawl_defaults.DEDUP_THRESHOLD))
        matrix = stored if crawled.scheme == stored.scheme else scheme_matrix(default, crawled.scheme)
        offline = score_labels(dset, matrix.labels(threshold, crawled.banding))
        print(
            f"{label:<34}{seconds:>5.0f}  {score_line(result)}  "
            + " ".join(f"{result.kind_recall[k]:>8.2f}" for k in VARIANTS)
            + f"  {score_line(offline):>19}  {verdict(result.meets(TARGET_PAIR_PRECISION, TARGET_PAIR_RECALL))}"
        )


def print_similarities(dset: DedupSet, default: CrawledSet, stored: PairMatrix) -> None:
    print(
        f"\nsimilarity to the original (copies) or within the pair (hard negatives); {scheme_name(stored.scheme)}; "
        "est = from the stored signatures, true = exact shingle Jaccard of the stored texts"
    )
    print(
        f"{'kind':<10}{'pairs':>6}  {'est J min/med/max':>17}  {'containment min/med/max':>23}  "
        f"{'true J min/med/max':>18}"
    )
    for stats in kind_stats(dset, default, stored):
        print(
            f"{stats.kind:<10}{stats.pairs:>6}  "
            + " ".join(f"{x:>5.2f}" for x in stats.jaccard)
            + "  "
            + " ".join(f"{x:>7.2f}" for x in stats.containment)
            + "  "
            + " ".join(f"{x:>5.2f}" for x in stats.true_jaccard)
        )


def print_sweep(dset: DedupSet, stored: PairMatrix) -> None:
    print(
        f"\nthreshold sweep from the stored signatures ({scheme_name(stored.scheme)}; clusters = connected "
        "components, as the pipeline makes them; P R neg = pair precision, recall, hard-negative pairs linked)"
    )
    print(
        f"{'t':>5} {'bands x rows':>12}  {'J>=t, LSH':>19}  {'J>=t, all pairs':>19}  "
        f"{f'J>=t or C>={CONTAINMENT}, LSH<={CONTAINMENT_BANDING}':>26}  cut recall (J / J or C)"
    )
    for threshold in SWEEP:
        banding = optimal_bands(threshold, stored.scheme.num_perm)
        banded = score_labels(dset, stored.labels(threshold, banding))
        every = score_labels(dset, stored.labels(threshold))
        wide = optimal_bands(min(threshold, CONTAINMENT_BANDING), stored.scheme.num_perm)
        contained = score_labels(dset, stored.labels(threshold, wide, CONTAINMENT))
        print(
            f"{threshold:>5.2f} {f'{banding[0]} x {banding[1]}':>12}  {score_line(banded):>19}  "
            f"{score_line(every):>19}  {score_line(contained):>26}  "
            f"{banded.kind_recall['cut']:.2f} / {contained.kind_recall['cut']:.2f}"
        )


def print_schemes(dset: DedupSet, default: CrawledSet, stored: PairMatrix) -> None:
    print(
        "\nshingling and num_perm (signatures made again from the first crawl's stored texts; LSH banded for "
        "each t as the pipeline would)"
    )
    print(
        f"{'scheme':<22} {'min est J: ' + ' '.join(VARIANTS):>36} | {'max est J: ' + ' '.join(NEGATIVES):>28} | "
        f"{'targets met for t in':>20} | P R neg at 0.5"
    )
    for scheme in SCHEMES:
        matrix = stored if scheme == stored.scheme else scheme_matrix(default, scheme)
        stats = {s.kind: s for s in kind_stats(dset, default, matrix)}
        results = {t: score_labels(dset, matrix.labels(t, optimal_bands(t, scheme.num_perm))) for t in SWEEP}
        good = [t for t, result in results.items() if result.meets(TARGET_PAIR_PRECISION, TARGET_PAIR_RECALL)]
        window = f"{min(good):.2f}..{max(good):.2f}" if good else "none"
        lowest = " ".join(f"{stats[k].jaccard[0]:.2f}" if k in stats else " n/a" for k in VARIANTS)
        highest = " ".join(f"{stats[k].jaccard[2]:.2f}" if k in stats else " n/a" for k in NEGATIVES)
        print(f"{scheme_name(scheme):<22} {lowest:>36} | {highest:>28} | {window:>20} | {score_line(results[0.5])}")


def run_dedup(args: argparse.Namespace, workdir: Path, known_texts: dict[int, str]) -> None:
    started = time.perf_counter()
    dset = make_dedup_set(args.limit, args.seed, known_texts)
    print_dedup_set(dset, time.perf_counter() - started)
    runs = []
    with serve_sites(dset.sites()) as bases:
        starts = [base + "/sitemap.xml" for base in bases.values()]
        for n, (label, overrides) in enumerate(DEDUP_CRAWLS[: max(1, args.dedup_crawls)]):
            run = run_crawl(starts, workdir / f"dedup-{n}.db", overrides).check()
            runs.append((label, run.seconds, read_crawl(run, dset, bases)))
    default = runs[0][2]
    if default.missing:
        print(f"pages stored without an article: {dict(Counter(default.missing.values()))}")
    stored = PairMatrix(sorted(default.texts), default.signatures, default.hashes, default.scheme)
    print_crawls(dset, runs, stored)
    print_similarities(dset, default, stored)
    print_sweep(dset, stored)
    print_schemes(dset, default, stored)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="first N corpus pages only (and a smaller dedup set)")
    parser.add_argument("--skip-crawl", action="store_true", help="no crawl of the corpus (part b)")
    parser.add_argument("--skip-dedup", action="store_true", help="no dedup benchmark (part c)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated dedup set")
    parser.add_argument("--dedup-crawls", type=int, default=len(DEDUP_CRAWLS), help="dedup crawls to run (>= 1)")
    parser.add_argument("--show-losses", type=int, default=15, help="pages listed under 'biggest losses'")
    parser.add_argument("--keep", type=Path, help="keep the crawl databases in this directory")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(
        f"storyonce quality benchmark: trafilatura {trafilatura.__version__}, datasketch {datasketch.__version__}, "
        f"python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        run = measure_extraction(load_corpus(args.limit), workdir, crawl=not args.skip_crawl)
        print_extraction(run)
        if run.crawled:
            print_crawl_gap(run)
        print_losses(run, args.show_losses)
        if not args.skip_dedup:
            plain_texts = {i: e.text for i, e in run.systems["plain"].items()}
            run_dedup(args, workdir, plain_texts)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
