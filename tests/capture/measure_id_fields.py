"""How many ID numbers and card fields the capture recipe reads on generated pages, before and after.

"Before" is the text-only reading (`fields.extract` on the page text, as the pipeline did); "after" is
what the pipeline now returns (`fields.extract_page`). Run from the repository root:

    PYTHONPATH=. .venv/bin/python -m tests.capture.measure_id_fields --forms 40 --cards 12
    PYTHONPATH=. .venv/bin/python -m tests.capture.measure_id_fields --forms 0 --cards 0 --leases 90 --small

A measurement, not a test: it takes minutes (every page goes through the whole recipe).
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace

from desk.capture import classify, fields, pipeline
from tests.capture import id_pages


def form_style(rng: random.Random, hard: bool = False) -> id_pages.BoxStyle:
    """A random box layout and filling: label, size, groups, table or not, printed or handwritten, some
    digits written high against the top rule; `hard` forms are filled in pale ink, by hand or in a
    楷体-like face soaked into the paper, more digits written high."""
    if hard:
        style = replace(form_style(rng), hand=True, faint=True, hugging=rng.choice((0, 2, 4, 6)))
        if rng.random() < 0.4:
            style = replace(style, hand=False, face=id_pages.KAI_FACE, ink_blur=rng.uniform(0.6, 1.4))
        return style
    return id_pages.BoxStyle(
        label=rng.choice(id_pages.ID_LABELS),
        pitch_mm=rng.uniform(5.0, 10.0),
        height_mm=rng.uniform(6.0, 10.0),
        rule_mm=rng.uniform(0.2, 0.6),
        groups=rng.choice(((18,), (18,), (6, 8, 4))),
        in_table=rng.random() < 0.4,
        hand=rng.random() < 0.6,
        touching=rng.choice((0, 0, 2, 4)),
        dpi=rng.choice((150, 200, 300)),
        hugging=rng.choice((0, 0, 1, 3)),
    )


def measure_forms(count: int, seed: int, hard: bool = False, whole: bool = False) -> None:
    """ID numbers read on `count` application forms with per-digit boxes (half of them photographed);
    `hard`: every form handwritten in pale ink and photographed out of focus; `whole`: every form
    photographed whole on a desk (`id_pages.photographed_whole`)."""
    before = after = wrong = 0
    started = time.perf_counter()
    for index in range(count):
        rng = random.Random(seed + index)
        number = id_pages.id_number(rng)
        style = form_style(rng, hard)
        page = id_pages.boxed_form(number, style, rng)
        if whole:
            page = id_pages.photographed_whole(page, style.dpi, rng)
        elif hard:
            page = id_pages.photographed(page, rng, blur=(1.0, 1.8))
        elif index % 2:
            page = id_pages.photographed(page, rng)
        result = pipeline.process_image(page, name=f"form-{index}")
        old = {n["value"] for n in fields.extract(result.text, classify.fields_for(result.doc_type))["id_numbers"]}
        new = {n["value"] for n in result.fields["id_numbers"]}
        before += number in old
        after += number in new
        wrong += bool(new - {number})
        if number not in new:
            print(f"  miss form-{index}: {number} {style} photo={bool(index % 2)} read={sorted(new)}")
    seconds = (time.perf_counter() - started) / max(count, 1)
    print(
        f"forms with ID boxes: before {before}/{count}, after {after}/{count}, "
        f"pages with a wrong number {wrong}, {seconds:.1f} s a page"
    )


def measure_cards(count: int, seed: int) -> None:
    """Name, sex, ethnicity, address and number read on `count` ID-card fronts (half photographed)."""
    keys = ("name", "sex", "ethnicity", "address", "id")
    before = dict.fromkeys(keys, 0)
    after = dict.fromkeys(keys, 0)
    for index in range(count):
        rng = random.Random(seed + 1000 + index)
        facts = id_pages.card_facts(rng)
        page = id_pages.card_front(facts, rng, split_number=index % 3 != 0)
        if index % 2:
            page = id_pages.photographed(page, rng)
        result = pipeline.process_image(page, name=f"card-{index}")
        truth = {"name": facts.name, "sex": facts.sex, "ethnicity": facts.ethnicity, "address": facts.address}
        old = fields.extract(result.text, classify.fields_for(result.doc_type))
        for tally, found in ((before, old), (after, result.fields)):
            for key, value in truth.items():
                tally[key] += found["labelled"].get(key) == value
            tally["id"] += facts.number in {n["value"] for n in found["id_numbers"]}
        read = result.fields["labelled"]
        misses = {key: read.get(key) for key, value in truth.items() if read.get(key) != value}
        if misses or facts.number not in {n["value"] for n in result.fields["id_numbers"]}:
            print(f"  card-{index} ({result.doc_type}): {misses} ids={result.fields['id_numbers']}")
    print(
        f"ID-card fronts, before → after (of {count}): "
        + ", ".join(f"{key} {before[key]} → {after[key]}" for key in keys)
    )


def measure_leases(count: int, seed: int, small: bool = False) -> None:
    """Both parties' numbers read on `count` leases photographed whole (`id_pages.party_page`: typed,
    handwritten on a rule and in a table, in turn), and the pages that gave a number neither party has;
    `small`: photographed from farther away (about 70–100 dpi)."""
    read = dict.fromkeys(id_pages.PARTY_KINDS, 0)
    pages = dict.fromkeys(id_pages.PARTY_KINDS, 0)
    wrong = 0
    for index in range(count):
        rng = random.Random(seed + index)
        kind = id_pages.PARTY_KINDS[index % len(id_pages.PARTY_KINDS)]
        page, tenant, lessor = id_pages.party_page(rng, kind)
        photo = id_pages.photographed_page(page, rng, small=small)
        result = pipeline.process_image(photo, name=f"lease-{index}")
        found = {n["value"] for n in result.fields["id_numbers"]}
        read[kind] += (tenant in found) + (lessor in found)
        pages[kind] += 1
        wrong += bool(found - {tenant, lessor})
        if not {tenant, lessor} <= found:
            print(f"  miss lease-{index} ({kind}): {tenant} {lessor} read={sorted(found)}")
    print(
        "lease parties' numbers read: "
        + ", ".join(f"{kind} {read[kind]}/{2 * pages[kind]}" for kind in id_pages.PARTY_KINDS)
        + f"; pages with a wrong number {wrong}"
    )


def main() -> None:
    """Parse the page counts and run the measurements asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=40)
    parser.add_argument("--cards", type=int, default=12)
    parser.add_argument("--leases", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7000)
    parser.add_argument("--hard", action="store_true", help="pale handwriting, photographed out of focus")
    parser.add_argument("--whole", action="store_true", help="every form photographed whole on a desk")
    parser.add_argument("--small", action="store_true", help="leases photographed from farther away")
    args = parser.parse_args()
    if args.forms:
        measure_forms(args.forms, args.seed, args.hard, args.whole)
    if args.cards:
        measure_cards(args.cards, args.seed)
    if args.leases:
        measure_leases(args.leases, args.seed, args.small)


if __name__ == "__main__":
    main()
