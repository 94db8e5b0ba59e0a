#!/usr/bin/env python3
"""Reference scores for CaptionMetricsTests: BLEU-1..4, CIDEr-D and ROUGE-L from pycocoevalcap.

The scorers are pycocoevalcap's own classes (`Bleu(4)`, `Cider()`, `Rouge()`), called directly on
dicts of already tokenized captions (lower case, punctuation removed, tokens joined by single
spaces: what Glimpse's CaptionTokenizer gives), so the Java PTB tokenizer is not needed. Each
corpus is a list of images, each with one candidate and one or more references; the fixture keeps
the inputs, the corpus scores and the per-image scores.

Corpora:
  mixed                 13 images: exact match, partial overlap, short and long candidates
                        (brevity penalty), repeated words (clipping), no shared word, references
                        of different lengths, 1 / 3 / 5 references, a tie for the closest
                        reference length, a one-word candidate, a clitic token ('s).
  single_image_partial  one image: CIDEr's idf is log(1) - log(df) = 0 for every n-gram, so CIDEr
                        is 0 whatever the captions (pycocoevalcap does not special-case it).
  single_image_exact    one image, candidate equal to its only reference: still CIDEr 0.
  empty_candidate       three images, one candidate empty: BLEU's brevity penalty and ROUGE's
                        split(" ") == [""] both apply.
  two_images            a small corpus where an n-gram appears in every image's references
                        (idf 0 for it).

Run from the repository root, in a throwaway venv (pycocoevalcap 1.2 from PyPI):
  python3 -m venv /tmp/cocovenv && /tmp/cocovenv/bin/pip install pycocoevalcap==1.2
  /tmp/cocovenv/bin/python Tests/GlimpseCaptionTests/reference/caption_metrics_reference.py
It writes fixtures/reference/caption_metrics.json; CI never needs to run it.
"""
import json
import os
import re
from importlib.metadata import version

from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge

SCENE = "a small red circle to the left of a large blue square"

MIXED = [
    # Exact match with one of 5 references.
    (SCENE, [
        SCENE,
        "a red circle to the left of a blue square",
        "a small red circle next to a large blue square",
        "a large blue square to the right of a small red circle",
        "there is a small red circle left of a big blue square",
    ]),
    # Partial overlap.
    ("a red circle left of a blue square", [
        "a small red circle to the left of a large blue square",
        "a tiny red circle on the left of a big blue square",
        "a blue square to the right of a red circle",
        "a red circle and a blue square",
        "red circle left of the blue square",
    ]),
    # Candidate much shorter than every reference (brevity penalty).
    ("a green triangle", [
        "a small green triangle above a large yellow circle",
        "a green triangle sits above a yellow circle",
        "a yellow circle below a small green triangle",
    ]),
    # Candidate longer than every reference.
    ("a large purple square is to the right of a small orange triangle on a white background", [
        "a purple square right of an orange triangle",
        "an orange triangle left of a large purple square",
    ]),
    # Repeated words: clipped by the references' counts.
    ("a a a a red red circle circle", [
        "a red circle",
        "a red circle and a red square",
        "a small red circle",
    ]),
    # Shares no word with its references.
    ("dogs running outside", [
        "a small yellow square below a large green circle",
        "a yellow square under a green circle",
    ]),
    # References of very different lengths.
    ("a blue circle in the middle", [
        "a blue circle",
        "there is a blue circle in the middle of the image next to a tiny green square",
        "blue circle at the center of the picture",
    ]),
    # A single reference.
    ("a man riding a wave on top of a surfboard", [
        "a man riding a wave on a surfboard",
    ]),
    # COCO-like, 5 references.
    ("a cat sitting on top of a wooden table", [
        "a cat is sitting on a wooden table",
        "a black and white cat sits on the table",
        "a cat laying on top of a brown wooden table",
        "the cat is resting on the kitchen table",
        "an orange cat sitting on a table next to a cup",
    ]),
    ("a group of people standing in a kitchen", [
        "a group of people standing around a kitchen counter",
        "several people are in a kitchen preparing food",
        "people gather in a small kitchen",
        "a few friends standing in a kitchen talking",
        "a group of men and women in a kitchen",
    ]),
    # Tie for the closest reference length: candidate 8 words, references 7 and 9 words; the
    # shorter one (7) is taken.
    ("a red square above a small green circle", [
        "a red square above a green circle",
        "a big red square sits above a small green circle",
    ]),
    # One-word candidate: no n-gram of order 2..4, and CIDEr's length counts bigrams (0 here).
    ("circle", [
        "a circle",
        "a small white circle",
    ]),
    # A clitic token as PTB (and our tokenizer) leaves it.
    ("a man 's hand holding a cell phone", [
        "a man 's hand holds a black cell phone",
        "a person holding a phone in his hand",
        "close up of a hand holding a cellphone",
    ]),
]

CORPORA = {
    "mixed": MIXED,
    "single_image_partial": [
        ("a red circle above a blue square", [
            "a small red circle above a large blue square",
            "a red circle on top of a blue square",
            "a blue square below a red circle",
            "red circle over blue square",
            "a circle above a square",
        ]),
    ],
    "single_image_exact": [
        (SCENE, [SCENE]),
    ],
    "empty_candidate": [
        ("", [
            "a small red circle",
            "a red circle",
        ]),
        ("a blue square", [
            "a large blue square",
            "a blue square on white",
        ]),
        ("a green triangle", [
            "a green triangle",
        ]),
    ],
    "two_images": [
        ("a red circle", [
            "a red circle",
            "a small red circle",
        ]),
        ("a red square", [
            "a red square",
            "a big red square",
        ]),
    ],
}


def score(images):
    res = {i: [candidate] for i, (candidate, _) in enumerate(images)}
    gts = {i: list(references) for i, (_, references) in enumerate(images)}
    bleu, bleu_per_image = Bleu(4).compute_score(gts, res, verbose=0)
    cider, cider_per_image = Cider().compute_score(gts, res)
    rouge, rouge_per_image = Rouge().compute_score(gts, res)
    return {
        "candidates": [candidate for candidate, _ in images],
        "references": [list(references) for _, references in images],
        "bleu": [float(b) for b in bleu],
        # bleu_per_image[i][k]: BLEU-(k+1) of image i (pycocoevalcap returns it order-major).
        "bleu_per_image": [[float(bleu_per_image[k][i]) for k in range(4)]
                           for i in range(len(images))],
        "cider": float(cider),
        "cider_per_image": [float(s) for s in cider_per_image],
        "rouge_l": float(rouge),
        "rouge_l_per_image": [float(s) for s in rouge_per_image],
    }


fixture = {
    "generator": "Tests/GlimpseCaptionTests/reference/caption_metrics_reference.py",
    "pycocoevalcap": version("pycocoevalcap"),
    "corpora": {name: score(images) for name, images in CORPORA.items()},
}

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
out = os.path.join(root, "fixtures", "reference", "caption_metrics.json")
text = json.dumps(fixture, indent=1)
# One line per list of numbers keeps the fixture readable and diffable.
text = re.sub(r"\[[-0-9.,e\s]*\]", lambda m: " ".join(m.group(0).split()), text)
with open(out, "w") as f:
    f.write(text + "\n")
print("wrote", os.path.normpath(out))
