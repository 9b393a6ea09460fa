#!/bin/sh
# Installs the Bureau virtuel bundle (the folder this script is in) with its menu entry, AppStream
# metadata and icons:
#   ./install.sh                          for the current user, under ~/.local
#   sudo ./install.sh --prefix /usr/local for every user of the computer
#   ./install.sh --uninstall [--prefix …] removes it again; the agents' data is never touched
set -eu
APP_ID=fr.france-services.BureauVirtuel
prefix="$HOME/.local"
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix DOSSIER}; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Option inconnue : $1 (voir --help)" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
app="$prefix/lib/bureau-virtuel"
share="$prefix/share"

refresh_caches() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if [ "$action" = uninstall ]; then
  rm -rf "$app"
  rm -f "$prefix/bin/bureau-virtuel" "$share/applications/$APP_ID.desktop" "$share/metainfo/$APP_ID.metainfo.xml"
  rm -f "$share/icons/hicolor/scalable/apps/$APP_ID.svg" "$share"/icons/hicolor/*/apps/"$APP_ID.png"
  refresh_caches
  echo "Bureau virtuel est désinstallé de $prefix (les données des agents sont gardées)."
  exit 0
fi

if [ ! -x "$here/bureau-virtuel" ] || [ ! -d "$here/_internal" ]; then
  echo "Lancez install.sh depuis le dossier de l'application (dist/bureau-virtuel/)." >&2
  exit 1
fi
icons="$here/_internal/resources/icons"
mkdir -p "$prefix/bin" "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
if [ "$here" != "$app" ]; then
  rm -rf "$app.new"
  mkdir -p "$(dirname "$app")"
  cp -a "$here" "$app.new"
  rm -rf "$app"
  mv "$app.new" "$app"
fi
ln -sf "$app/bureau-virtuel.sh" "$prefix/bin/bureau-virtuel"
# The menu entry starts the launcher by its full path (~/.local/bin may not be on PATH); Exec quotes
# a path with spaces, as the desktop entry specification requires.
launcher="$app/bureau-virtuel.sh"
case "$launcher" in
  *[[:space:]]*) exec_value="\"$launcher\"" ;;
  *) exec_value=$launcher ;;
esac
sed_escape() { printf '%s' "$1" | sed 's/[|&\\]/\\&/g'; }
sed -e "s|^Exec=.*|Exec=$(sed_escape "$exec_value")|" -e "s|^TryExec=.*|TryExec=$(sed_escape "$launcher")|" \
  "$here/$APP_ID.desktop" > "$share/applications/$APP_ID.desktop"
cp "$here/$APP_ID.metainfo.xml" "$share/metainfo/"
cp "$icons/$APP_ID.svg" "$share/icons/hicolor/scalable/apps/"
for png in "$icons"/hicolor/*/apps/"$APP_ID.png"; do
  size=$(basename "$(dirname "$(dirname "$png")")")
  mkdir -p "$share/icons/hicolor/$size/apps"
  cp "$png" "$share/icons/hicolor/$size/apps/"
done
refresh_caches
echo "Bureau virtuel est installé dans $app ; menu des applications : « Bureau virtuel » ;"
echo "commande : $prefix/bin/bureau-virtuel"
