#!/usr/bin/env bash
# The conformance suite on an accelerator, and the same suite on the same machine's CPU:
# the difference between the two results files is the device's alone (same framework
# versions, same inputs, same registry).
#
#   benchmarks/device_run.sh OUTDIR [DEVICE] [BACKENDS]
#
# DEVICE defaults to cuda, BACKENDS to torch,jax,keras (Keras on KERAS_BACKEND, default
# torch here: this script is for machines without TensorFlow). Writes, in OUTDIR:
#   DEVICE.json.gz / cpu.json.gz   results files, gzipped (gunzip, then
#                                  python -m conformance report OUTDIR/*.json)
#   DEVICE.log / cpu.log           pytest's output
#   env.txt                        GPU, driver and package versions
# Environment: WORKERS (pytest-xdist -n, default: cores - 2), DEVICE_BUDGET_S and
# CPU_BUDGET_S (seconds each phase may run before pytest is interrupted and writes what
# it has: default 300 and 180; CPU_BUDGET_S=0 skips the CPU run), PYTEST_ARGS (more pytest arguments).
set -u
out=${1:?usage: benchmarks/device_run.sh OUTDIR [DEVICE] [BACKENDS]}
device=${2:-cuda}
backends=${3:-torch,jax,keras}
mkdir -p "$out"
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
export KERAS_BACKEND=${KERAS_BACKEND:-torch}
# JAX takes 75 % of the GPU's memory per process by default: with one process per
# worker the second would fail to start.
export XLA_PYTHON_CLIENT_PREALLOCATE=false
workers=${WORKERS:-$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))}
py=${PYTHON:-python3}

{
  date -u
  nvidia-smi -L 2>&1 || true
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
  "$py" - <<'EOF'
import importlib.metadata as md, platform
print("python", platform.python_version())
for d in ("numpy", "torch", "jax", "jaxlib", "jax-cuda13-plugin", "jax-cuda12-plugin",
          "optax", "keras", "scipy", "scikit-learn", "ml_dtypes", "pytest", "pytest-xdist"):
    try:
        print(d, md.version(d))
    except md.PackageNotFoundError:
        pass
EOF
} > "$out/env.txt" 2>&1

run() {  # run PHASE_NAME BUDGET DEVICE [env...]
  local name=$1 budget=$2 dev=$3
  shift 3
  local start=$SECONDS
  # SIGINT: pytest stops, reports and writes the results file with the cases run so far.
  env "$@" timeout -s INT -k 30 "$budget" "$py" -m pytest conformance -p no:cacheprovider \
    --backend "$backends" --device "$dev" -n "$workers" --dist worksteal \
    --results "$out/$name.json" -o addopts="--strict-markers -p no:logging" -q -rfEX --tb=no \
    --max-worker-restart 1000 \
    ${PYTEST_ARGS:-} > "$out/$name.log" 2>&1
  echo "$name: rc $? in $(( SECONDS - start )) s" | tee -a "$out/env.txt"
  tail -3 "$out/$name.log"
  # a results file holds every case's figures (about 1 kB each): compressed, 10x smaller
  gzip -f "$out/$name.json" 2>/dev/null || true
}

# Each backend's adapter loaded on its own first: one that raises on these versions (an
# API the installed framework lacks) is left out, named in env.txt, instead of stopping
# the whole collection.
loadable=""
for b in ${backends//,/ }; do
  if "$py" -c "from conformance.loader import load_all
load_all(['$b'], device='$device', entry_points=False)" >> "$out/env.txt" 2>&1; then
    loadable="$loadable${loadable:+,}$b"
  else
    echo "backend $b: its adapter does not load on $device (above); left out" >> "$out/env.txt"
  fi
done
backends=$loadable
echo "backends: $backends" >> "$out/env.txt"

run "$device" "${DEVICE_BUDGET_S:-300}" "$device"
# The same machine's CPU, the accelerator hidden from both frameworks (CPU_BUDGET_S=0: not run).
[ "${CPU_BUDGET_S:-180}" = 0 ] || run cpu "${CPU_BUDGET_S:-180}" cpu CUDA_VISIBLE_DEVICES= JAX_PLATFORMS=cpu
