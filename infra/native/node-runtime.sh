# shellcheck shell=bash
# Puts the Node.js major this kit targets (.nvmrc) first on PATH, the way nvm or Volta
# would. When the node on PATH is older, the official binary is taken from the npm
# registry package node-linux-<arch> (the registry is the one place every machine here
# can download from) and kept in .tools/node, which git ignores.
#
#   source infra/native/node-runtime.sh     # in scripts, or in your own shell
#
# Sourced, so it must not change the caller's shell options or exit it: failures return
# non-zero, and set -e in the calling script turns that into an exit. Quiet on success;
# it only speaks when it downloads or fails.

headroom_node_major() {
  local version
  version="$("$1" --version 2>/dev/null)" || return 1
  version="${version#v}"
  printf '%s\n' "${version%%.*}"
}

headroom_node_runtime() {
  local repo_root tools_dir want_major have_major arch package tmp tarball
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  tools_dir="$repo_root/.tools/node"

  want_major=24
  if [[ -f $repo_root/.nvmrc ]]; then
    want_major="$(tr -dc '0-9.' <"$repo_root/.nvmrc")"
    want_major="${want_major%%.*}"
  fi

  have_major="$(headroom_node_major node || echo 0)"
  if (( have_major >= want_major )); then
    return 0
  fi

  if [[ "$(headroom_node_major "$tools_dir/bin/node" || echo 0)" != "$want_major" ]]; then
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *)
        echo "node-runtime: no Node.js package for $(uname -m); install Node $want_major yourself" >&2
        return 1
        ;;
    esac
    package="node-linux-$arch@$want_major"
    if ! command -v npm >/dev/null 2>&1; then
      echo "node-runtime: npm is needed to download Node $want_major and is not on PATH" >&2
      return 1
    fi

    echo "node-runtime: Node $want_major not found (node on PATH is v$have_major); downloading $package into .tools/node" >&2
    mkdir -p "$repo_root/.tools"
    # Inside .tools so that the final mv is a rename on the same filesystem.
    tmp="$(mktemp -d "$repo_root/.tools/.node-download.XXXXXX")" || return 1
    # Run from the temp dir: npm pack inside the repo would read the workspace config.
    if ! tarball="$(cd "$tmp" && npm pack "$package" --loglevel=error --fetch-retries=1 2>"$tmp/npm.log")"; then
      echo "node-runtime: could not download $package from the npm registry ($(npm config get registry 2>/dev/null))." >&2
      echo "node-runtime: check the network, or install Node $want_major and put it first on PATH. npm said:" >&2
      { grep -E '^npm error (code |[A-Za-z]*Error|network )' "$tmp/npm.log" || head -n 5 "$tmp/npm.log"; } |
        head -n 4 | sed 's/^/  /' >&2
      rm -rf "$tmp"
      return 1
    fi
    tarball="$(tail -n 1 <<<"$tarball")"
    if ! tar -xzf "$tmp/$tarball" -C "$tmp" ||
      [[ "$(headroom_node_major "$tmp/package/bin/node" || echo 0)" != "$want_major" ]]; then
      echo "node-runtime: $tarball did not contain a working Node $want_major binary" >&2
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$tools_dir"
    # Another script provisioning at the same moment may have won the race; its copy is
    # as good as ours.
    if ! mv -T "$tmp/package" "$tools_dir" 2>/dev/null &&
      [[ "$(headroom_node_major "$tools_dir/bin/node" || echo 0)" != "$want_major" ]]; then
      echo "node-runtime: could not move Node $want_major into $tools_dir" >&2
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$tmp"
  fi

  PATH="$tools_dir/bin:$PATH"
  export PATH
  hash -r
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  # Run rather than sourced: provision, then show how to use it in this shell.
  headroom_node_runtime || exit 1
  echo "export PATH=\"$(dirname "$(command -v node)"):\$PATH\""
  exit 0
fi

if ! headroom_node_runtime; then
  unset -f headroom_node_runtime headroom_node_major
  return 1
fi
unset -f headroom_node_runtime headroom_node_major
