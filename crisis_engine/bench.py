"""``crisis-engine bench``: latency and throughput of the engine on this machine.

Measures, on generated chat messages (no third-party text; about 3% risky): the keyword stage
(normalise + keyword scorer) per message, ``CrisisDetector.assess`` latency for single messages
(p50, p99) and ``assess_batch`` throughput, each **with the cascade** (the first stage settles
clearly benign messages, ``crisis_engine.cascade``) and **on the full path** (every message
through the sentence encoder) in the same run, the share of messages the first stage settled,
the encoder alone batched, peak RSS, and optionally the same model through plain
``sentence-transformers`` ``encode()``. Targets (issue #15): with the cascade, ``assess_batch``
>= 2,000 messages/s and single p50 <= 1 ms.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from crisis_engine.encoder import SentenceEncoder

SECTION = "## Crisis engine (crisis-engine bench)"

_OPENERS = ("", "", "", "hey ", "ok so ", "honestly ", "ugh ", "lol ", "idk ", "so ")
_ORDINARY = (
    "how was your day", "i went for a walk after work", "can you remind me of the breathing thing",
    "had pasta for dinner", "my sister is visiting this weekend", "i slept badly again",
    "work was fine i guess", "i finished my essay finally", "what should i journal about today",
    "the gym was packed", "i'm watching a movie with my partner", "my mood is like a 6 today",
    "thanks that helped", "good morning", "going to bed now", "i have a job interview tomorrow",
    "my cat knocked over my coffee", "this exam is killing me", "i'm dead 😂 that meme",
    "i killed it at the presentation", "cut the onions first then the garlic",
    "i take pills for my thyroid every morning", "i died so many times on that boss lol",
    "i'm not suicidal just really tired", "my friend's dog died last week",
)  # fmt: skip
_LOW = (
    "i feel kind of down today", "i'm stressed about money", "i've been lonely since the move",
    "i cried after the call with my mum", "i'm so anxious about the results",
    "everything feels like a lot this week", "i miss my grandad",
)  # fmt: skip
_RISK = (
    "i just want to sleep and not wake up", "everyone would be better off without me",
    "i've been saving up my pills", "i want to kill myself", "i cut again last night",
    "took the whole bottle", "whats the point anymore", "my dad hits me when he drinks",
    "i haven't eaten in four days", "i'm standing on the bridge",
)  # fmt: skip
# Other languages, for the cost of language identification on text it has to read in full.
_FOREIGN = (
    "hoy fui al médico y me dijo que todo estaba bien", "je suis fatiguée mais ça va mieux qu'hier",
    "ich habe heute lange gearbeitet und bin jetzt müde", "fui ao mercado com a minha mãe de manhã",
    "stasera ceno con i miei amici in centro",
)  # fmt: skip
_TAILS = ("", "", "", ".", "!", " lol", " tbh", " 😔", " 🙂", "...", " idk what to do",
          " and i don't know why", " but whatever")  # fmt: skip


def messages(n: int, seed: int = 7) -> list[str]:
    """A mix like real traffic: mostly ordinary chat, some low mood, ~3% risk; a few long ones."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        r = rng.random()
        pool = _RISK if r < 0.03 else _LOW if r < 0.15 else _ORDINARY
        parts = [rng.choice(pool)]
        while rng.random() < 0.25:  # some messages run on
            parts.append(rng.choice(_ORDINARY + _LOW))
        out.append(rng.choice(_OPENERS) + ", ".join(parts) + rng.choice(_TAILS))
    return out


def _percentiles(samples: Sequence[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1e3
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def _time_each(fn: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    out = []
    for t in texts:
        t0 = time.perf_counter()
        fn(t)
        out.append(time.perf_counter() - t0)
    return out


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _batch_rate(fn: Callable[[list[str]], object], texts: list[str], repeats: int = 2) -> float:
    """Messages per second of the fastest of ``repeats`` runs (the cores are shared)."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(texts)
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best


def run(n_single: int, n_batch: int, baseline: bool) -> list[str]:
    from crisis_engine.detector import CrisisDetector, DetectorConfig
    from crisis_engine.normalize import normalize

    single = messages(n_single, seed=1)
    batch = messages(n_batch, seed=2)
    lines: list[str] = []

    t0 = time.perf_counter()
    detector = CrisisDetector.load(classifier=True)
    load_s = time.perf_counter() - t0
    # The full path for comparison, sharing the encoder (no second copy in memory).
    full_path = CrisisDetector.load(
        classifier=True, config=DetectorConfig(cascade=False), encoder=detector.encoder
    )
    scorer = detector.keyword_scorer
    for t in single[:50]:  # warm-up: first calls allocate runtime buffers and caches
        detector.assess(t)
        full_path.assess(t)

    kw_times = _time_each(lambda t: scorer.score(normalize(t)), batch)
    kw_us = float(np.mean(kw_times)) * 1e6
    # Language identification (issue #18), on the text already normalised as the detector has it.
    ident = detector.language_identifier
    lang_us = foreign_us = float("nan")
    if ident is not None:
        norms = {t: normalize(t).text for t in [*batch, *_FOREIGN]}
        lang_us = float(np.mean(_time_each(lambda t: ident.guess(t, norms[t]), batch))) * 1e6
        foreign_us = float(np.mean(_time_each(lambda t: ident.guess(t, norms[t]), list(_FOREIGN) * 20))) * 1e6

    # Alternate the two per message, so load from other processes falls on both alike.
    casc_times: list[float] = []
    full_times: list[float] = []
    for t in single:
        casc_times += _time_each(detector.assess, [t])
        full_times += _time_each(full_path.assess, [t])
    c50, c99 = _percentiles(casc_times)
    p50, p99 = _percentiles(full_times)

    stages = [a.stage for a in detector.assess_batch(batch)]
    settled = stages.count("first") / len(batch)
    on_lexicon_path = stages.count("lexicon") / len(batch)
    easy = [t for t, st in zip(batch, stages, strict=True) if st == "first"]
    first_rate = _batch_rate(detector.assess_batch, easy) if easy else float("nan")
    casc_rate = _batch_rate(detector.assess_batch, batch)
    full_rate = _batch_rate(full_path.assess_batch, batch)

    encoder = _encoder_of(detector)
    enc_rate = float("nan")
    if encoder is not None:
        norm = [normalize(t).text for t in batch]
        encoder.encode(norm[:64])
        t0 = time.perf_counter()
        encoder.encode(norm)
        enc_rate = n_batch / (time.perf_counter() - t0)
    rss_engine = _peak_rss_mb()

    risky = sum(any(r in m for r in _RISK) for m in batch) / len(batch)
    lines += [
        f"engine: {detector.version}; encoder backend: "
        f"{getattr(encoder, 'backend', 'none')}; load {load_s:.2f} s",
        f"messages: {n_single} single, {n_batch} batched (generated chat mix, {risky:.1%} risky, mean "
        f"{np.mean([len(m) for m in batch]):.0f} chars)",
        "",
        "| measure | cascade (shipped) | full path (`cascade=False`) | ratio | target (cascade) |",
        "|---|---|---|---|---|",
        f"| `assess_batch` throughput | {casc_rate:.0f} msg/s | {full_rate:.0f} msg/s | "
        f"{casc_rate / full_rate:.1f}x | ≥ 2,000 msg/s |",
        f"| single message p50 | {c50:.2f} ms | {p50:.2f} ms | {p50 / c50:.1f}x faster | ≤ 1 ms |",
        f"| single message p99 | {c99:.2f} ms | {p99:.2f} ms | {p99 / c99:.1f}x faster | |",
        f"| share settled by the first stage (batch) | {settled:.1%} | 0% | | |",
        f"| `assess_batch` of the settled messages alone (the first stage's own rate) "
        f"| {first_rate:.0f} msg/s | | | |",
        "",
        "| measure | value |",
        "|---|---|",
        f"| keyword stage (normalise + keywords) per message | {kw_us:.0f} µs |",
        f"| language identification per message (chat mix; included in `assess`) | {lang_us:.0f} µs |",
        f"| language identification per message (sentences in es/fr/de/pt/it) | {foreign_us:.0f} µs |",
        f"| chat mix read on the lexicon path (another language) | {on_lexicon_path:.1%} |",
        f"| encoder alone, batched `encode()` | {enc_rate:.0f} msg/s |",
        f"| peak RSS (engine, both detectors, one encoder) | {rss_engine:.0f} MB |",
    ]
    if baseline:
        lines += _baseline_lines(single, batch, p50, p99, full_rate, enc_rate)
    return lines


def _encoder_of(detector: object) -> SentenceEncoder | None:
    """The detector's encoder (private attribute: the bench times the encoder on its own)."""
    model = getattr(detector, "_model", None)
    enc = getattr(model, "encoder", None) if model is not None else None
    return enc if isinstance(enc, SentenceEncoder) else None


def _baseline_lines(
    single: Sequence[str], batch: Sequence[str], p50: float, p99: float, rate: float,
    enc_rate: float,
) -> list[str]:  # fmt: skip
    import torch
    from sentence_transformers import SentenceTransformer

    from crisis_engine.encoder import bundled_model_dir

    torch.set_num_threads(2)
    model = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    for t in single[:20]:
        model.encode([t], normalize_embeddings=True)
    st = _time_each(lambda t: model.encode([t], normalize_embeddings=True), single)
    s50, s99 = _percentiles(st)
    t0 = time.perf_counter()
    model.encode(list(batch), batch_size=64, normalize_embeddings=True)
    st_rate = len(batch) / (time.perf_counter() - t0)
    return [
        "",
        "Plain sentence-transformers `encode()` of the same model, same messages, same run "
        "(embedding only, no keywords, head or fusion):",
        "",
        "| measure | sentence-transformers | crisis engine (full) | ratio |",
        "|---|---|---|---|",
        f"| single p50 | {s50:.2f} ms | {p50:.2f} ms | {s50 / p50:.1f}x faster |",
        f"| single p99 | {s99:.2f} ms | {p99:.2f} ms | {s99 / p99:.1f}x faster |",
        f"| batched | {st_rate:.0f} msg/s | {rate:.0f} msg/s | {rate / st_rate:.1f}x |",
        f"| batched, encoder only | {st_rate:.0f} msg/s | {enc_rate:.0f} msg/s | {enc_rate / st_rate:.1f}x |",
        f"| peak RSS after loading torch too | {_peak_rss_mb():.0f} MB | | |",
    ]


def write_section(path: Path, body: str) -> None:
    """Replace (or append) our section of a shared markdown file, leaving the others alone."""
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + SECTION + "\n\n" + body + "\n"
    else:
        nxt = text.find("\n## ", start + len(SECTION))
        end = len(text) if nxt == -1 else nxt + 1
        text = text[:start] + SECTION + "\n\n" + body + "\n" + ("\n" + text[end:] if nxt != -1 else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crisis-engine bench", description=__doc__.split("\n")[0])
    parser.add_argument("--single", type=int, default=1000, help="messages timed one by one")
    parser.add_argument("--batch", type=int, default=4000, help="messages in the batched run")
    parser.add_argument("--baseline", action="store_true", help="also time sentence-transformers")
    parser.add_argument("--markdown", type=Path, help="write the results into this file's section")
    args = parser.parse_args(list(argv) if argv is not None else None)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network

    cmd = "crisis-engine bench " + " ".join(argv if argv is not None else sys.argv[1:])
    header = [
        f"`{cmd.strip()}` on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average at start "
        f"{os.getloadavg()[0]:.1f} (other processes share these cores)",
        "",
    ]
    lines = header + run(args.single, args.batch, args.baseline)
    body = "\n".join(lines)
    print(body)
    if args.markdown:
        write_section(args.markdown, body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
