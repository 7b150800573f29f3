#!/bin/sh
# Score the extractor on the held-out reports in tests/fixtures/holdout/ (not used to build the rules).
# Usage: scripts/eval_holdout.sh [PRED_JSONL]   (default /tmp/holdout.jsonl)
set -e
cd "$(dirname "$0")/.."
PRED="${1:-/tmp/holdout.jsonl}"
SCORER="${SCORER:-/work/shared/eval/score.py}"
python -m sahel extract tests/fixtures/holdout/articles/*.txt tests/fixtures/holdout/negatives/*.txt --jsonl "$PRED"
python3 "$SCORER" --gold tests/fixtures/holdout --pred "$PRED" --verbose
