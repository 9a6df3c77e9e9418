#!/usr/bin/env bash
# Writes the secrets docker-compose.yml requires into .env beside it, where compose reads them:
# one random value for every ${NAME:?...} the compose file names, keeping any value .env
# already has. Run once before the first `docker compose up` (docs/deployment.md):
#   bash infra/compose/secrets.sh
# Values are 64 hex characters: safe inside a URL's password without escaping.
set -Eeuo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
compose_file="${COMPOSE_FILE_PATH:-$repo_root/docker-compose.yml}"
env_file="${ENV_FILE_PATH:-$repo_root/.env}"

# Comment lines left out: the file's header shows the syntax with a placeholder name.
mapfile -t required < <(grep -vE '^\s*#' "$compose_file" | grep -oE '\$\{[A-Z_][A-Z0-9_]*:\?' |
  sed -E 's/^\$\{(.*):\?$/\1/' | sort -u)

umask 077
touch "$env_file"
# A last line without its newline would run into the first one added.
if [[ -s $env_file && -n "$(tail -c 1 "$env_file")" ]]; then echo >>"$env_file"; fi
added=()
for name in "${required[@]}"; do
  if grep -qE "^${name}=." "$env_file"; then continue; fi
  # A value left empty by hand counts as missing: compose's :? refuses empty values too.
  sed -i -E "/^${name}=\$/d" "$env_file"
  printf '%s=%s\n' "$name" "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >>"$env_file"
  added+=("$name")
done

if ((${#added[@]} > 0)); then
  echo "secrets: wrote ${added[*]} to $env_file"
else
  echo "secrets: $env_file already sets ${required[*]}"
fi
