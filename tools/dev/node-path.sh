#!/usr/bin/env bash
# Prints the bin directory of the Node.js release named in .nvmrc (the one the image runs), fetching it
# once into the user's cache. The npm registry ships Node itself as `node-<os>-<arch>` packages, so this
# works on machines that reach nothing but the registry. Use: export PATH="$(tools/dev/node-path.sh):$PATH"
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(tr -d ' \nv' <"$root/.nvmrc")"
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "no Node.js package for $(uname -m) on the registry" >&2; exit 1 ;;
esac
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
package="node-$os-$arch"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/conduit/$package-$version"

if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$(dirname "$dir")"
  work="$(mktemp -d "$dir.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent --loglevel=error "$package@$version" >/dev/null && tar -xzf ./*.tgz)
  "$work/package/bin/node" --version >/dev/null
  # Renamed into place in one step, so parallel callers never see a half-unpacked copy.
  mv -T "$work/package" "$dir" 2>/dev/null || [ -x "$dir/bin/node" ]
fi
echo "$dir/bin"
