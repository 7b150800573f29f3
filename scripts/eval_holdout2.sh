#!/bin/sh
# Score the extractor on the second held-out set, tests/fixtures/holdout2/A or B (see its README).
# A may be looked at to find failures; B is only for the numbers.
# Usage: scripts/eval_holdout2.sh A|B [PRED_JSONL]   (default /tmp/holdout2-A.jsonl, /tmp/holdout2-B.jsonl)
set -e
cd "$(dirname "$0")/.."
SET="${1:?usage: scripts/eval_holdout2.sh A|B [PRED_JSONL]}"
DIR="tests/fixtures/holdout2/$SET"
[ -d "$DIR/articles" ] || { echo "no such set: $DIR" >&2; exit 2; }
PRED="${2:-/tmp/holdout2-$SET.jsonl}"
SCORER="${SCORER:-/work/shared/eval/score.py}"
python -m sahel extract "$DIR"/articles/*.txt "$DIR"/negatives/*.txt --jsonl "$PRED"
python3 "$SCORER" --gold "$DIR" --pred "$PRED" --verbose
