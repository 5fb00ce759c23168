"""nox sessions: the conformance suite per framework and per framework version.

    nox -l                              # every session, with its docstring
    nox -s "tensorflow(2.15)"           # one framework at one version
    nox -s keras                        # every Keras combination
    nox -t conformance                  # the whole version matrix
    nox -s tests lint                   # the harness's own tests, ruff
    nox -s report                       # merge results/*.json into report/
    nox -R -s "jax(0.4)"                # reuse the environment, skip the installs

Each framework session installs only that framework (and the reference's needs: numpy,
packaging, pytest, pytest-xdist, pytest-timeout, ml_dtypes) into its own virtualenv, prints
the versions it got, then runs the harness's tests of that adapter, of every binding's
source citations and of the public-surface audit against that version, and the suite::

    pytest tests/test_adapter_NAME.py tests/test_sources.py tests/test_surface.py -p no:cacheprovider -q
    pytest conformance --backend NAME -p no:cacheprovider --results results/SLUG.json

where SLUG is the session name made file-safe: ``tensorflow(2.15)`` writes
``results/tensorflow-2.15.json``. Arguments after ``--`` go to pytest.

Pins, one source of truth, layered without conflict
---------------------------------------------------
``constraints.txt`` (top level) is THE pin set: the default version of everything, used by
``.ci/run``, the README and every session here. A combination that needs other versions
has a file in ``constraints/`` holding only what differs (``constraints/tf-2.15.txt``:
tensorflow-cpu, keras, numpy<2, ml_dtypes). pip cannot layer two ``-c`` files that pin the
same package differently (it reports a conflict), so sessions never pass both: the
noxfile merges them by package name (a later file's pin replaces the earlier one) into
one complete file in the session's tmp dir and installs with ``-c`` on that. Each file in
``constraints/`` is therefore short, is a valid constraints file on its own, and shared pins
(pytest, packaging, ...) live in one place only. ``tests/test_noxfile.py`` checks that the
files parse, that the merge has no duplicates and that every session is in the CI matrix
(``.github/workflows/conformance.yml``).

Version ids are derived from the pins (``tensorflow(2.21)`` because constraints.txt says
tensorflow-cpu==2.21.0), so bumping a pin renames the session and the CI-matrix test says
which workflow line to change.

torch: one session per release in ``TORCH_VERSIONS`` (the pinned one and its neighbours;
only the pin has a CPU wheel on the development machine, the others install PyPI's CUDA
build, about 5 GB each, and run on the CPU; where the machine's pip configuration caps torch,
as ``/etc/xdg/pip/constraints.txt`` caps it at 2.14.1 on the development machines,
``torch(2.15)`` and ``keras(3.15-torch-2.15)`` fail to install until the cap is lifted:
``rm -r /etc/xdg/pip``). ``CROSSCONFORM_TORCH_VERSIONS=2.5.1,2.13.0 nox
-s torch`` replaces the list (a ``constraints/torch-X.Y.txt``, if present, is layered too,
e.g. for numpy<2).
``CROSSCONFORM_WORKERS`` sets pytest-xdist's ``-n`` (default 2; 0 runs without xdist).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nox
import nox.command

ROOT = Path(__file__).resolve().parent
CONSTRAINTS = ROOT / "constraints.txt"
COMBINATIONS = ROOT / "constraints"
RESULTS = ROOT / "results"

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_external_run = True

# What the reference, the conformance suite and its plugin need in every environment.
SUITE_REQUIREMENTS = ("numpy", "packaging", "pytest", "pytest-xdist", "pytest-timeout",
                      "ml_dtypes")


# --- pins -------------------------------------------------------------------------------

def canonical(name: str) -> str:
    """PEP 503 normalised distribution name (``ML_Dtypes`` -> ``ml-dtypes``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """``{canonical name: requirement line}`` of a constraints file (comments dropped).

    Raises:
      ValueError: a line has no parsable name, or a name is pinned twice in ``path``.
    """
    pins: dict[str, str] = {}
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        if found is None:
            raise ValueError(f"{path}:{lineno}: no distribution name in {raw!r}")
        name = canonical(found.group(0))
        if name in pins:
            raise ValueError(f"{path}:{lineno}: {name} pinned twice")
        pins[name] = line
    return pins


def merged_pins(layers: Iterable[Path], extra: Sequence[str] = ()) -> dict[str, str]:
    """constraints.txt, then each layer, then ``extra`` lines: later pins replace earlier."""
    pins = read_pins(CONSTRAINTS)
    for layer in layers:
        pins.update(read_pins(layer))
    for line in extra:
        pins[canonical(re.split(r"[<>=!~; \[]", line, maxsplit=1)[0])] = line
    return pins


def pinned_version(name: str, layers: Iterable[Path] = ()) -> str:
    """The exact version ``name`` is pinned to (``==X``) after layering."""
    line = merged_pins(layers).get(canonical(name), "")
    found = re.search(r"==\s*([^\s;,]+)", line)
    if found is None:
        raise ValueError(f"{name} has no == pin in constraints.txt or {list(layers)}")
    return found.group(1)


def minor(version: str) -> str:
    """``2.15.1`` -> ``2.15`` (session ids name the release line)."""
    return ".".join(version.split(".")[:2])


# --- the version matrix -----------------------------------------------------------------

@dataclass(frozen=True)
class Combo:
    """One framework combination: what to install, which pins, which environment."""

    id: str
    backend: str  # --backend of the conformance suite
    packages: tuple[str, ...]
    layers: tuple[str, ...] = ()  # names of constraints/<name>.txt layered over constraints.txt
    extra_pins: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    show: tuple[str, ...] = ()  # distributions whose versions are printed (besides packages)
    # The version the adapter must report (prefix): a session that would test something
    # else (tf-keras asked for, Keras 3 imported) stops instead of writing a mislabelled file.
    expect: str | None = None
    # The interpreter of the session's environment (None: the one running nox), for a
    # release that needs a newer Python than the default pins' 3.11 (JAX 0.11: >= 3.12).
    python: str | None = None

    @property
    def layer_paths(self) -> tuple[Path, ...]:
        return tuple(COMBINATIONS / f"{name}.txt" for name in self.layers)


def _v(name: str, *layers: str) -> str:
    return minor(pinned_version(name, [COMBINATIONS / f"{x}.txt" for x in layers]))


# Every TensorFlow release line the registry's tensorflow entries are verified on.
TF_LAYERS = {version: (f"tf-{version}",) for version in
             ("2.13", "2.14", "2.15", "2.16", "2.17", "2.18", "2.19", "2.20")} | {_v("tensorflow-cpu"): ()}
_TF_DEFAULT = _v("tensorflow-cpu")
_KERAS_DEFAULT = _v("keras")
_KERAS3_ON_TF216 = _v("keras", "tf-2.16")
_KERAS_PRE_36 = _v("keras", "keras-3.5")
_KERAS_PRE_312 = _v("keras", "keras-3.11")
_JAX_OLD = _v("jax", "jax-0.4")
_JAX_NEW = _v("jax", "jax-0.11")


def interpreter(version: str) -> str:
    """``version`` for nox if ``python{version}`` on PATH runs, else pyenv's newest
    ``{version}.x`` by path (a pyenv shim that is not selected refuses to run), else
    ``version`` (nox then reports the interpreter missing)."""
    exe = shutil.which(f"python{version}")
    if exe and subprocess.run([exe, "-V"], capture_output=True, check=False).returncode == 0:
        return version
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = sorted(root.glob(f"{version}.*/bin/python{version}"),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", p.parts[-3])])
    return str(found[-1]) if found else version


# torch releases in the matrix: 2.14 changed clamp's subgradient at its bound (declared in
# adapters/_torch_losses.py: clamp_grad_at_bound), the rest fail the same registered cases.
TORCH_VERSIONS = ("2.11.0", "2.13.0", "2.14.1", "2.15.0")


def _torch_combos() -> list[Combo]:
    versions = [v.strip() for v in os.environ.get("CROSSCONFORM_TORCH_VERSIONS", "").split(",")
                if v.strip()] or list(TORCH_VERSIONS)
    combos = []
    for version in versions:
        layer = f"torch-{minor(version)}"
        layers = (layer,) if (COMBINATIONS / f"{layer}.txt").exists() else ()
        combos.append(Combo(minor(version), "torch", ("torch",), layers,
                            extra_pins=(f"torch=={version}",)))
    return combos


MATRIX: dict[str, list[Combo]] = {
    "torch": _torch_combos(),
    "tensorflow": [Combo(version, "tensorflow", ("tensorflow-cpu",), layers,
                         env={"TF_CPP_MIN_LOG_LEVEL": "2"}, show=("keras",))
                   for version, layers in TF_LAYERS.items()],
    "keras": [
        # Keras 2 as the tf.keras of TF 2.13, 2.14 and 2.15 (keras 2.x is the package
        # tf.keras imports).
        *[Combo(version, "keras", ("tensorflow-cpu", "keras"), (f"tf-{version}",),
                env={"TF_CPP_MIN_LOG_LEVEL": "2"}, expect=version)
          for version in ("2.13", "2.14", "2.15")],
        # Keras 2 as tf-keras beside Keras 3 (TF >= 2.16, TF_USE_LEGACY_KERAS=1).
        Combo(f"tf-keras-{_TF_DEFAULT}", "keras", ("tensorflow-cpu", "tf-keras"),
              (f"tf-keras-{_TF_DEFAULT}",),
              env={"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}, show=("keras",),
              expect="2."),
        # Keras 3 as it came with TF 2.16, then the newest Keras on each of its backends.
        Combo(f"{_KERAS3_ON_TF216}-tensorflow", "keras", ("tensorflow-cpu", "keras"),
              ("tf-2.16",), env={"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}),
        # ... Keras 3.5, the release line before 3.6's ops.normalize, on TF 2.18 (which asks
        # for keras>=3.5; its gelu is 1 + erf; keras_3_4.toml: what 3.4 to 3.14 do on
        # TensorFlow that 3.15 does not) ...
        Combo(f"{_KERAS_PRE_36}-tensorflow-2.18", "keras", ("tensorflow-cpu", "keras"),
              ("tf-2.18", "keras-3.5"),
              env={"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}),
        Combo(f"{_KERAS_DEFAULT}-tensorflow", "keras", ("tensorflow-cpu", "keras"),
              env={"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}),
        Combo(f"{_KERAS_DEFAULT}-jax", "keras", ("keras", "jax", "jaxlib"),
              env={"KERAS_BACKEND": "jax"}),
        Combo(f"{_KERAS_DEFAULT}-torch", "keras", ("keras", "torch"),
              env={"KERAS_BACKEND": "torch"}),
        # ... on the newest JAX (Python 3.12, as jax(0.11)) ...
        Combo(f"{_KERAS_DEFAULT}-jax-{_JAX_NEW}", "keras", ("keras", "jax", "jaxlib"),
              ("jax-0.11",), env={"KERAS_BACKEND": "jax"}, python=interpreter("3.12")),
        # ... Keras 3.5 on torch: before 3.6's ops.normalize and 3.7's torch.logsumexp, and a
        # sparse cross-entropy answering float32 for half inputs (its one-hot, until 3.11;
        # keras_torch_3_4.toml: what 3.4 to 3.10 do on torch that 3.11 does not) ...
        Combo(f"{_KERAS_PRE_36}-torch", "keras", ("keras", "torch"), ("keras-3.5",),
              env={"KERAS_BACKEND": "torch"}),
        # ... and on JAX (keras_jax_3_4.toml: what 3.4 to 3.14 do there that 3.15 does not;
        # before 3.12 its CTC raises TypeError under jax_enable_x64) ...
        Combo(f"{_KERAS_PRE_36}-jax", "keras", ("keras", "jax", "jaxlib"), ("keras-3.5",),
              env={"KERAS_BACKEND": "jax"}),
        # ... Keras 3.11 on torch, the release line before 3.12's float64 -> float32 result_type
        # (keras_torch_3_11.toml: what 3.11 to 3.14 do that 3.15 does not) ...
        Combo(f"{_KERAS_PRE_312}-torch", "keras", ("keras", "torch"), ("keras-3.11",),
              env={"KERAS_BACKEND": "torch"}),
        # ... and on the newest torch: torch 2.14 changed clip's gradient at its bounds,
        # which Keras' cross-entropies and ops.clip inherit on this backend.
        Combo(f"{_KERAS_DEFAULT}-torch-{minor(TORCH_VERSIONS[-1])}", "keras", ("keras", "torch"),
              extra_pins=(f"torch=={TORCH_VERSIONS[-1]}",), env={"KERAS_BACKEND": "torch"}),
    ],
    "jax": [Combo(_JAX_OLD, "jax", ("jax", "jaxlib", "optax"), ("jax-0.4",)),
            Combo(_v("jax"), "jax", ("jax", "jaxlib", "optax")),
            Combo(_JAX_NEW, "jax", ("jax", "jaxlib", "optax"), ("jax-0.11",),
                  python=interpreter("3.12"))],
    # the two previous release lines as well (pinned to their last patch release)
    "scipy": [*[Combo(minor(v), "scipy", ("scipy",), extra_pins=(f"scipy=={v}",))
                for v in ("1.15.3", "1.16.3")],
              Combo(_v("scipy"), "scipy", ("scipy",))],
    "sklearn": [*[Combo(minor(v), "sklearn", ("scikit-learn", "scipy"),
                        extra_pins=(f"scikit-learn=={v}",)) for v in ("1.7.2", "1.8.0")],
                Combo(_v("scikit-learn"), "sklearn", ("scikit-learn", "scipy"))],
}


def session_name(framework: str, combo: Combo) -> str:
    """The nox session name: ``tensorflow(2.15)``."""
    return f"{framework}({combo.id})"


def slug(name: str) -> str:
    """File-safe session name for the results file: ``tensorflow(2.15)`` -> ``tensorflow-2.15``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")


def conformance_sessions() -> list[str]:
    """Every framework x version session name, in matrix order (the CI matrix lists them)."""
    return [session_name(fw, combo) for fw, combos in MATRIX.items() for combo in combos]


# --- helpers ----------------------------------------------------------------------------

def _constraints_file(session: nox.Session, combo: Combo | None = None) -> str:
    """Write the merged pins for ``combo`` into the session's tmp dir; return its path."""
    layers = combo.layer_paths if combo else ()
    pins = merged_pins(layers, combo.extra_pins if combo else ())
    sources = ", ".join(str(p.relative_to(ROOT)) for p in (CONSTRAINTS, *layers))
    path = Path(session.create_tmp()) / "constraints.txt"
    path.write_text(f"# merged by noxfile.py from {sources}\n" + "\n".join(pins.values()) + "\n",
                    encoding="utf-8")
    return str(path)


def _install_suite(session: nox.Session, constraints: str, packages: Sequence[str]) -> None:
    session.install("-c", constraints, *SUITE_REQUIREMENTS, *packages)
    session.install("--no-deps", "-e", ".")


def _print_versions(session: nox.Session, names: Sequence[str]) -> None:
    """Print python and the installed versions of ``names`` (before any test runs)."""
    code = (
        "import importlib.metadata as m, os, platform, sys\n"
        "out = ['python ' + platform.python_version()]\n"
        "for n in sys.argv[1:]:\n"
        "    try: out.append(n + ' ' + m.version(n))\n"
        "    except m.PackageNotFoundError: pass\n"
        "out += [k + '=' + os.environ[k] for k in ('KERAS_BACKEND', 'TF_USE_LEGACY_KERAS')\n"
        "        if k in os.environ]\n"
        "print('versions:', ', '.join(out))\n"
    )
    session.log("installed versions")
    session.run("python", "-c", code, *dict.fromkeys(names), silent=False, log=False)


def _workers() -> list[str]:
    n = os.environ.get("CROSSCONFORM_WORKERS", "2")
    return [] if n in ("", "0", "1") else ["-n", n]


def _check_adapter_version(session: nox.Session, combo: Combo) -> None:
    """Stop unless the adapter reports ``combo.expect`` (e.g. Keras 2 from tf-keras)."""
    if combo.expect is None:
        return
    code = ("import importlib, sys; from adapters import BUILTIN\n"
            "v = importlib.import_module(BUILTIN[sys.argv[1]]).backend().version\n"
            "print(f'adapter {sys.argv[1]!r} reports version {v}')\n"
            "sys.exit(0 if v.startswith(sys.argv[2]) else 3)\n")
    try:
        session.run("python", "-c", code, combo.backend, combo.expect, silent=False, log=False)
    except nox.command.CommandFailed:
        session.error(f"the {combo.backend} adapter does not report version {combo.expect}* "
                      f"with {combo.env}: it would test something else under this session's name")


def _run_conformance(session: nox.Session, framework: str, combo: Combo) -> None:
    constraints = _constraints_file(session, combo)
    _install_suite(session, constraints, combo.packages)
    session.env.update(combo.env)
    _print_versions(session, ["numpy", "ml_dtypes", *combo.packages, *combo.show])
    _check_adapter_version(session, combo)
    # The harness's tests of this adapter, of every binding's source citation and of the
    # public-surface audit (a release that adds or drops an API), run against this version
    # (the default environment's CI runs them on the default pins).
    session.run("pytest", f"tests/test_adapter_{framework}.py", "tests/test_sources.py",
                "tests/test_surface.py", "-p", "no:cacheprovider", "-q")
    RESULTS.mkdir(exist_ok=True)
    results = RESULTS / f"{slug(session_name(framework, combo))}.json"
    session.run("pytest", "conformance", "--backend", combo.backend, "-p", "no:cacheprovider",
                "--results", str(results.relative_to(ROOT)), *_workers(), *session.posargs)


def _conformance_session(framework: str, doc: str) -> None:
    combos = MATRIX[framework]

    def run(session: nox.Session, combo: Combo) -> None:
        _run_conformance(session, framework, combo)

    run.__doc__ = doc
    run.__name__ = framework
    # nox takes the interpreter as a parameter too: one per combination, ids unchanged.
    parametrized = nox.parametrize(["python", "combo"],
                                   [nox.param(c.python, c, id=c.id) for c in combos])(run)
    nox.session(name=framework, tags=["conformance", framework])(parametrized)


_conformance_session("torch", "PyTorch (torch.nn.functional, torch.nn modules, torch.special).")
_conformance_session("tensorflow", "TensorFlow without Keras (tf.nn, tf.math): every release from 2.13 to the newest.")
_conformance_session(
    "keras",
    "Keras: Keras 2 (the tf.keras of TF 2.13 to 2.15; tf-keras beside Keras 3), Keras 3 with TF 2.16, "
    "Keras 3.5 on TF 2.18 (before 3.6's ops.normalize), newest Keras 3 on KERAS_BACKEND=tensorflow, "
    "jax, torch (one session each, and on the newest jax and torch), Keras 3.5 on torch and JAX "
    "(before 3.6's ops.normalize), Keras 3.11 on torch (before 3.12's float64 -> float32 "
    "result_type).",
)
_conformance_session("jax", "JAX and optax: an 0.4.x release, the default pins' and the newest (on Python 3.12).")
_conformance_session("scipy", "SciPy (scipy.special, scipy.stats.entropy, scipy.spatial).")
_conformance_session("sklearn", "scikit-learn metrics (log_loss, hinge_loss, accuracy_score...).")


@nox.session(tags=["harness"])
def tests(session: nox.Session) -> None:
    """The harness's own tests (tests/): reference vs mpmath, adapters, CLI; default pins."""
    constraints = _constraints_file(session)
    session.install("-c", constraints, "-e", ".[all]", "nox")
    _print_versions(session, ["numpy", "torch", "tensorflow-cpu", "keras", "jax", "optax",
                              "scipy", "scikit-learn", "mpmath", "hypothesis"])
    session.run("pytest", "tests", "-p", "no:cacheprovider", *_workers(), *session.posargs)


@nox.session(tags=["harness"])
def lint(session: nox.Session) -> None:
    """ruff over the whole project (pyproject.toml's configuration)."""
    session.install("-c", _constraints_file(session), "ruff")
    _print_versions(session, ["ruff"])
    session.run("ruff", "check", ".", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Merge the matrix's results/<session>.json files into report/ (Markdown, HTML, porting guide).

    ``nox -s report -- --docs`` also writes docs/version-matrix-report.md (no plots).
    """
    args = list(session.posargs)
    to_docs = "--docs" in args
    if to_docs:
        args.remove("--docs")
    _install_suite(session, _constraints_file(session), ["matplotlib"])
    _print_versions(session, ["numpy", "matplotlib"])
    # Only the matrix's own files: results/results.json & co. from ad-hoc runs stay out.
    wanted = [RESULTS / f"{slug(name)}.json" for name in conformance_sessions()]
    files = [str(p.relative_to(ROOT)) for p in wanted if p.exists()]
    missing = [p.name for p in wanted if not p.exists()]
    if missing:
        session.warn(f"not in the report (no results file): {', '.join(missing)}")
    if not files:
        session.error("no results file: run the framework sessions first (nox -t conformance)")
    session.run("python", "-m", "conformance", "report", *files, "-o", "report", *args)
    if to_docs:
        # The committed copy has no plots: report/plots/*.png are build outputs, and links
        # to them would dangle under docs/.
        out = Path(session.create_tmp()) / "docs-report"
        session.run("python", "-m", "conformance", "report", *files, "-o", str(out),
                    "--no-plots", "-q", *args)
        shutil.copyfile(out / "report.md", ROOT / "docs" / "version-matrix-report.md")
        session.log("wrote docs/version-matrix-report.md (the report without plots)")
