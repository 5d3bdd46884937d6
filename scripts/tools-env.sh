#!/usr/bin/env bash
# Puts the tools from setup-services.sh on PATH: `source scripts/tools-env.sh`, or `eval "$(bash scripts/tools-env.sh)"`.
__cl_bin="${CRYPTO_LAKEHOUSE_TOOLS:-$HOME/.cache/crypto-lakehouse/tools}/bin"
__cl_path="$PATH"
for __cl_dir in "$__cl_bin" /usr/local/go/bin; do
  case ":$__cl_path:" in
    *":$__cl_dir:"*) ;;
    *) [ -d "$__cl_dir" ] && __cl_path="$__cl_dir:$__cl_path" ;;
  esac
done
if (return 0 2>/dev/null); then
  # sourced: change this shell
  export PATH="$__cl_path"
else
  # executed: print what to eval
  printf 'export PATH=%q\n' "$__cl_path"
fi
unset __cl_bin __cl_path __cl_dir
