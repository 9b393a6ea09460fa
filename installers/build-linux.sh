#!/usr/bin/env bash
# Builds the Linux one-folder application dist/bureau-virtuel/ from a clean state, checks which system
# libraries it needs against the list in installers/linux/LISEZMOI.txt, runs its --self-test, and
# prints the build time, the size and the self-test time (installers/README.md).
#   installers/build-linux.sh            build + checks
#   installers/build-linux.sh --archive  also dist/bureau-virtuel-VERSION-linux-x86_64.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
archive=0
[ "${1:-}" = --archive ] && archive=1

# The project's system libraries (./run installs them: PyInstaller bundles the ones it finds, so they
# must be present here) and .venv with the pinned versions of requirements/lock.txt, PyInstaller included.
./run --help >/dev/null

started=$(date +%s.%N)
rm -rf build/bundle dist/bureau-virtuel
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/bundle \
  installers/bureau-virtuel.spec
built=$(date +%s.%N)
bundle=dist/bureau-virtuel

# Every library that the bundle's programs and plugins load from outside the bundle must be one that
# LISEZMOI.txt asks the system for (glibc, OpenGL/EGL, DRM/GBM, XCB, Wayland) or an optional GTK theme.
allowed='^(ld-linux.*|lib(c|m|dl|pthread|rt|resolv|util)\.so\..*|libEGL\.so\.1|libGL\.so\.1|libGLX\.so\.0|libGLdispatch\.so\.0|libOpenGL\.so\.0|libgbm\.so\.1|libdrm\.so\.2|libxcb\.so\.1|libxcb-dri3\.so\.0|libwayland-(client|server|cursor)\.so\.0|libwayland-egl\.so\.1|libg[dt]k-3\.so\.0)$'
inside="$PWD/$bundle/_internal:$PWD/$bundle/_internal/PySide6/Qt/lib"
unexpected=$(
  find "$bundle" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
    while IFS= read -r -d '' file; do
      head -c 4 "$file" | grep -q ELF || continue
      LD_LIBRARY_PATH=$inside ldd "$file" 2>/dev/null | awk -v file="$file" '/=>/ { print $1, $3, file }'
    done | grep -v " $PWD/$bundle/" | awk '{ print $1 }' | sort -u | grep -Ev "$allowed" || true
)
if [ -n "$unexpected" ]; then
  echo "Bibliothèques système non embarquées et absentes de installers/linux/LISEZMOI.txt :" >&2
  echo "$unexpected" | sed 's/^/  /' >&2
  echo "(installez-les sur la machine de construction, ou ajoutez-les à LISEZMOI.txt et à ce script)" >&2
  exit 1
fi

data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
tested_from=$(date +%s.%N)
QT_QPA_PLATFORM=offscreen "$bundle/bureau-virtuel.sh" --self-test --data-dir "$data"
tested=$(date +%s.%N)
# The documents a responsable makes, from the bundle: what PyInstaller's analysis misses (a module
# imported by name, an exclusion too many) fails here rather than at a structure.
"$bundle/bureau-virtuel.sh" --data-dir "$data" demo --contacts 50 >/dev/null
for format in pdf csv; do
  "$bundle/bureau-virtuel.sh" --data-dir "$data" export --year "$(date +%Y)" --format "$format" \
    --output "$data/synthese.$format" >/dev/null
done

if [ "$archive" = 1 ]; then
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
  tar -C dist -czf "dist/bureau-virtuel-$version-linux-x86_64.tar.gz" bureau-virtuel
  ls -l "dist/bureau-virtuel-$version-linux-x86_64.tar.gz"
fi
elapsed() { awk -v from="$1" -v to="$2" 'BEGIN { printf "%.1f", to - from }'; }
echo "Paquet Linux : $bundle ; construit en $(elapsed "$started" "$built") s ;" \
  "$(du -sh "$bundle" | cut -f1), $(find "$bundle" -type f | wc -l) fichiers ;" \
  "auto-test en $(elapsed "$tested_from" "$tested") s."
