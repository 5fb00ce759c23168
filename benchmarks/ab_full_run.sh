#!/usr/bin/env bash
# Interleaved A/B of the full default run: a base revision against the working tree.
#
#   bash benchmarks/ab_full_run.sh BASE_REV [ROUNDS]     (default: 2 rounds)
#
# On a shared machine a run's wall time moves by 15 % or more within minutes, so two
# revisions are only compared run by run, alternately: base, this tree, base, this tree.
# The base is checked out in a temporary git worktree (removed at the end) and run with
# this tree's virtual environment; each run prints benchmarks/suite_speed.py's lines for
# the wall time, pytest's own figure, the per-backend case time and the cost per case
# outside the case's call.
set -euo pipefail
base=${1:?usage: ab_full_run.sh BASE_REV [ROUNDS]}
rounds=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
tree=$(mktemp -d /tmp/ab_base.XXXXXX)
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git -C "$root" worktree add --quiet --detach "$tree" "$base"
for round in $(seq "$rounds"); do
  for side in base tree; do
    dir=$root
    [ "$side" = base ] && dir=$tree
    echo "== $side ($(git -C "$dir" rev-parse --short HEAD)$( [ "$side" = tree ] && \
         [ -n "$(git -C "$dir" status --porcelain)" ] && echo ' + changes')), round $round," \
         "$(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$dir" && "$py" benchmarks/suite_speed.py --no-overhead 2>&1) \
      | grep -E "wall time|pytest says|per-case cost|^  (jax|keras|torch|tensorflow|scipy|sklearn) "
  done
done
