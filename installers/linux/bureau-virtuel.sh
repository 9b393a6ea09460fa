#!/bin/sh
# Bureau virtuel launcher (Linux bundle): checks the system libraries that the bundle does not contain,
# says in French which packages to install if one is missing (Qt would abort with an obscure message),
# then starts the application with the same arguments. BUREAU_VIRTUEL_SKIP_CHECK=1 skips the check.
here=$(dirname "$(readlink -f "$0")")

missing_packages() {
  ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
  [ -x "$ldconfig" ] || return 0  # no cache to ask: let Qt try
  cache=$("$ldconfig" -p 2>/dev/null) || return 0
  for pair in libEGL.so.1:libegl1 libGL.so.1:libgl1 libxcb.so.1:libxcb1 libdrm.so.2:libdrm2 \
    libgbm.so.1:libgbm1 libwayland-client.so.0:libwayland-client0 libwayland-server.so.0:libwayland-server0; do
    printf '%s\n' "$cache" | grep -q "^[[:space:]]*${pair%%:*} " || printf ' %s' "${pair#*:}"
  done
  for folder in /usr/share/fonts /usr/local/share/fonts "$HOME/.local/share/fonts" "$HOME/.fonts"; do
    [ -n "$(find "$folder" -type f \( -name '*.ttf' -o -name '*.otf' -o -name '*.pfb' \) 2>/dev/null | head -n 1)" ] \
      && return 0
  done
  printf ' %s' fonts-dejavu-core
}

if [ "${BUREAU_VIRTUEL_SKIP_CHECK:-0}" != 1 ]; then
  packages=$(missing_packages)
  if [ -n "$packages" ]; then
    cat >&2 <<MESSAGE
Bureau virtuel ne peut pas démarrer : il manque au système des bibliothèques graphiques ou des polices
que l'application n'embarque pas (voir $here/LISEZMOI.txt).
Sous Debian ou Ubuntu, faites installer :
  sudo apt-get install$packages
puis relancez Bureau virtuel.
MESSAGE
    exit 127
  fi
fi
exec "$here/bureau-virtuel" "$@"
