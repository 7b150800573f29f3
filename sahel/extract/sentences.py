"""Split a report into sentences with spaCy (French model; blank English + sentencizer)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Stored reports sometimes lose the space after a full stop ("armée.Il a"): restore it so the
# sentencizer sees two sentences. Only lower-case/closing-quote + "." + upper-case letter qualifies,
# which leaves abbreviations like "U.N." and numbers like "5.100" alone.
_GLUED_STOP = re.compile(r"(?<=[a-zà-ÿ\"»”)])\.(?=[A-ZÀ-Ý])")


_ENDS = re.compile(r"[.!?…][\"»”’)\]]*$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the report: its index, text and character offset in the cleaned body."""

    index: int
    text: str
    start: int
    paragraph: int


@lru_cache(maxsize=2)
def load_pipeline(lang: str) -> Any:
    """Load the spaCy pipeline for `lang` once per process (the French model takes ~3 s)."""
    import spacy

    if lang == "fr":
        # Only sentence boundaries are used: the lemmatizer and NER are not needed for that.
        return spacy.load("fr_core_news_sm", exclude=["lemmatizer", "ner"])
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def clean_text(text: str) -> str:
    """Return the body with normalised quotes/spaces and glued full stops separated."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return _GLUED_STOP.sub(". ", text)


def split_sentences(text: str, lang: str) -> list[Sentence]:
    """Split cleaned text into sentences, never across paragraph breaks."""
    nlp = load_pipeline(lang)
    out: list[Sentence] = []
    offset = 0
    for number, paragraph in enumerate(re.split(r"\n\s*\n|\n", text)):
        start = text.find(paragraph, offset) if paragraph else offset
        offset = start + len(paragraph)
        if not paragraph.strip():
            continue
        for sent in nlp(paragraph).sents:
            piece = sent.text.strip()
            if not piece:
                continue
            last = out[-1] if out and out[-1].paragraph == number else None
            # The parser sometimes cuts mid-sentence (after "Samedi", before ", des hommes", inside
            # "Dori-Gorom-Gorom"): a news sentence ends with a full stop, so glue back pieces
            # that follow one without it, or that start in lower case or with punctuation.
            if last and (not _ENDS.search(last.text) or piece[0].islower()
                         or not piece[0].isalnum() and piece[0] not in "«\"“("):
                glued = paragraph[last.start - start:sent.end_char].strip()
                out[-1] = Sentence(last.index, glued, last.start, number)
                continue
            out.append(Sentence(len(out), piece, start + sent.start_char, number))
    return out
