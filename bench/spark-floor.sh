#!/usr/bin/env bash
# Issue 13's name for the floor benchmark: every corpus job against the cheapest Spark job with its I/O, in one run.
# Usage: bench/spark-floor.sh [MB (default 128)]; see bench/corpus.sh.
exec "$(dirname "$0")/corpus.sh" "$@"
