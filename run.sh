#!/usr/bin/env bash
# migrasim set-up and entry points for a fresh Debian 12 machine.
#   ./run.sh demo    install what is missing, build, run scenarios/central_america.yaml, plot it, write its
#                    HTML report out/central_america.html
#   ./run.sh test    install what is missing, build, run every C++ (ctest) and Python (pytest) test
#   ./run.sh build   install what is missing and build only
#   ./run.sh asan    build the asan preset (clang, ASan + UBSan, with the libFuzzer targets) and run the C++
#                    tests under it
#   ./run.sh tsan    build oneTBB from Debian's source package with ThreadSanitizer (once, into
#                    build/tbb-tsan), build the tsan preset (clang) against it, run the C++ tests and one
#                    multi-threaded run of the demo scenario under it
#   ./run.sh fuzz    build the asan preset (the same build: one instrumented build serves both) and fuzz the
#                    scenario and Flee readers for $MIGRASIM_FUZZ_SECONDS each (default 90; libFuzzer seed $MIGRASIM_FUZZ_SEED,
#                    default 1); findings go to tests/fuzz/TARGET/
#   ./run.sh bench   build and run the benchmarks at their target sizes (synthetic world; Flee cases)
#   ./run.sh format  check that C++ sources follow .clang-format (fix: clang-format -i FILES)
# Environment: MIGRASIM_WERROR=1 turns warnings into errors (CI sets it); MIGRASIM_PYTHON (default
# .venv/bin/python) is the Python the CLI draws its figures with.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

PACKAGES=(build-essential cmake ninja-build pkg-config clang-format clang libclang-rt-14-dev
  libtbb-dev libhdf5-dev libboost-graph-dev catch2 pybind11-dev libyaml-cpp-dev libcli11-dev
  librandom123-dev libfmt-dev curl xz-utils
  python3-dev python3-venv python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-pandas
  python3-matplotlib python3-pytest python3-nbclient python3-nbformat python3-ipykernel python3-tqdm
  python3-scipy python3-distributed python3-sklearn python3-yaml python3-hypothesis
  libjs-leaflet gmt-dcw chromium chromium-driver python3-selenium)  # HTML report: map, outlines, browser tests

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "run.sh: missing Debian packages and no root or sudo. Run:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

build() {
  local preset=$1
  local werror=${MIGRASIM_WERROR:-OFF}
  [ "$werror" = 1 ] && werror=ON
  cmake --preset "$preset" -DMIGRASIM_WERROR="$werror" >/dev/null
  cmake --build --preset "$preset" -j"$(nproc)"
}

# oneTBB built with ThreadSanitizer, for the tsan preset: Debian 12's own source package of the libtbb-dev
# it ships (the orig tarball from Debian's archive, checked against the .dsc's SHA-256), built once with
# clang (the preset's compiler: one TSan runtime) into build/tbb-tsan/install. An uninstrumented oneTBB
# would hide the happens-before edges of its scheduler from TSan and report races that are not there.
TBB_VERSION=2021.8.0
TBB_SHA256=7e9111b8bb59c8800bf6d0b06afe7b0891937443d2dae1ee1101c8e2ede6a7ef
tbb_tsan() {
  local prefix="$ROOT/build/tbb-tsan"
  [ -f "$prefix/install/lib/cmake/TBB/TBBConfig.cmake" ] && return 0
  mkdir -p "$prefix"
  local tarball="$prefix/onetbb_${TBB_VERSION}.orig.tar.xz"
  [ -f "$tarball" ] || curl -fsSL -o "$tarball" \
    "http://deb.debian.org/debian/pool/main/o/onetbb/onetbb_${TBB_VERSION}.orig.tar.xz"
  echo "$TBB_SHA256  $tarball" | sha256sum -c --quiet -
  rm -rf "$prefix/src" "$prefix/build" && mkdir -p "$prefix/src"
  tar -xf "$tarball" -C "$prefix/src" --strip-components=1
  # TBB_STRICT=OFF: oneTBB builds with -Werror otherwise, and compilers warn about its fences under TSan.
  cmake -S "$prefix/src" -B "$prefix/build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
    -DTBB_SANITIZE=thread -DCMAKE_INSTALL_PREFIX="$prefix/install" >/dev/null
  cmake --build "$prefix/build" -j"$(nproc)"
  cmake --install "$prefix/build" >/dev/null
}

setup_venv() {
  if [ ! -x .venv/bin/python ]; then
    /usr/bin/python3 -m venv --system-site-packages .venv
  fi
  # The package is pure Python on top of the compiled _core module; link the build's module into it.
  .venv/bin/python -m pip install --no-build-isolation --no-deps --no-index -q -e bindings >/dev/null
  ln -sf "$ROOT"/build/release/bindings/_core*.so bindings/migrasim/
}

setup() {
  install_packages
  build release
  setup_venv
}

# The CLI draws its figures with `$MIGRASIM_PYTHON -m migrasim.plots`: the venv has the package.
export MIGRASIM_PYTHON=${MIGRASIM_PYTHON:-$ROOT/.venv/bin/python}

cmd=${1:-demo}
case "$cmd" in
  demo)
    setup
    mkdir -p out
    ./build/release/cli/migrasim run scenarios/central_america.yaml -o out/central_america.h5
    ./build/release/cli/migrasim info out/central_america.h5
    .venv/bin/python -m migrasim.plot out/central_america.h5 -o out/central_america.png
    ./build/release/cli/migrasim report out/central_america.h5 -o out/central_america.html
    echo "run.sh: wrote out/central_america.h5, out/central_america.png and the report $ROOT/out/central_america.html"
    ;;
  test)
    setup
    ctest --preset release
    MIGRASIM_BIN="$ROOT/build/release/cli/migrasim" .venv/bin/python -m pytest -q tests/python
    ;;
  asan)
    install_packages
    build asan
    ctest --preset asan
    ;;
  tsan)
    install_packages
    tbb_tsan
    build tsan
    ctest --preset tsan
    # One multi-threaded end-to-end run: the demo's first 200 days (economic push, the April closure, the
    # pathway's window, smugglers, legal status), 4 threads.
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ./build/tsan/cli/migrasim run \
      scenarios/central_america.yaml --days 200 --threads 4 -q -o build/tsan/central_america.h5
    echo "run.sh: TSan clean (C++ tests and a 4-thread run of the demo)"
    ;;
  build)
    setup
    ;;
  fuzz)
    install_packages
    build asan
    seconds=${MIGRASIM_FUZZ_SECONDS:-90}
    seed=${MIGRASIM_FUZZ_SEED:-1}  # the same inputs in the same order on every machine (0: a random seed)
    for target in scenario flee; do
      # A scratch corpus seeded with every shipped and test scenario (and tests/fuzz/TARGET's inputs); what
      # libFuzzer adds there is thrown away, what it finds is kept under tests/fuzz/TARGET/.
      corpus=$(mktemp -d)
      if [ "$target" = scenario ]; then
        find scenarios tests/data -name '*.yaml' -exec sh -c 'cp "$1" "$2/$(echo "$1" | tr / _)"' _ {} "$corpus" \;
      fi
      find "tests/fuzz/$target" -type f ! -name '.*' -exec cp {} "$corpus" \;
      echo "run.sh: fuzzing the $target reader for ${seconds} s" >&2
      status=0
      ./build/asan/fuzz/fuzz_$target "$corpus" -max_total_time="$seconds" -seed="$seed" -timeout=20 -rss_limit_mb=4096 \
        -artifact_prefix="tests/fuzz/$target/" -print_final_stats=1 2>&1 | tail -n 40 || status=$?
      rm -rf "$corpus"
      [ "$status" -eq 0 ] || { echo "run.sh: fuzz_$target found an input that crashes (kept in tests/fuzz/$target/)" >&2; exit 1; }
    done
    ;;
  format)
    install_packages
    git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
    echo "run.sh: formatting ok"
    ;;
  bench)
    setup
    ./build/release/bench/migrasim-bench --agents 10000000 --places 10000 --routes 50000 --threads 2 --days 20
    ./build/release/bench/migrasim-bench --scenario bench/all_mechanisms.yaml --threads 2
    bench/flee_cases.sh
    ;;
  *)
    echo "usage: ./run.sh demo|test|build|asan|tsan|fuzz|bench|format" >&2
    exit 2
    ;;
esac
