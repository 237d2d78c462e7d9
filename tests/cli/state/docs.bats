#!/usr/bin/env bats
# The documentation of sheratan-state keeps up with the tool: every subcommand and
# every long flag of --help-all is in the man page and in each completion file, and
# the completion files pass the shells' syntax checks.

setup() {
  : "${SHERATAN_BIN:?SHERATAN_BIN must name the build folder}"
  : "${SHERATAN_SRC:?SHERATAN_SRC must name the repository root}"
  tool="$SHERATAN_BIN/sheratan-state"
  page="$SHERATAN_SRC/man/man1/sheratan-state.1"
  completions=("$SHERATAN_SRC/completions/bash/sheratan-state"
    "$SHERATAN_SRC/completions/zsh/_sheratan-state"
    "$SHERATAN_SRC/completions/fish/sheratan-state.fish")
}

subcommands() { "$tool" --help-all | sed -n '/^Subcommands:/,$p' | sed -n 's/^\([a-z][a-z-]*\)$/\1/p'; }
long_flags() { "$tool" --help-all | sed -n 's/^ *\(-[A-Za-z],\)\{0,1\}--\([a-z][a-z0-9-]*\).*/\2/p' | sort -u; }

@test "the help lists subcommands and flags" {
  [ "$(subcommands | wc -l)" -ge 7 ]
  long_flags | grep -qx db
}

@test "the man page documents every subcommand and every long flag, and lints clean" {
  local missing=() name
  for name in $(subcommands); do
    grep -Eq "^\.It Cm $name( |$)" "$page" || missing+=("subcommand $name")
  done
  for name in $(long_flags); do
    grep -Eq "Fl -$name( |$)" "$page" || missing+=("--$name")
  done
  [ "${#missing[@]}" -eq 0 ] || { printf 'missing from %s: %s\n' "$page" "${missing[*]}"; return 1; }
  [ -z "$(mandoc -Tlint -Wwarning "$page" 2>&1)" ]
}

@test "each completion file offers every subcommand and every long flag" {
  local missing=() file name
  for file in "${completions[@]}"; do
    [ -f "$file" ]
    for name in $(subcommands); do
      grep -Eq "(^|[^a-z-])$name([^a-z-]|$)" "$file" || missing+=("$file: subcommand $name")
    done
    for name in $(long_flags); do
      case $file in
        *.fish) grep -Eq -- "-l $name( |$)" "$file" || missing+=("$file: --$name") ;;
        *) grep -Eq -- "--$name([^a-z-]|$)" "$file" || missing+=("$file: --$name") ;;
      esac
    done
  done
  [ "${#missing[@]}" -eq 0 ] || { printf 'missing: %s\n' "${missing[@]}"; return 1; }
}

@test "completion files pass the shells' syntax checks" {
  bash -n "${completions[0]}"
  if command -v zsh >/dev/null; then zsh -n "${completions[1]}"; fi
  if command -v fish >/dev/null; then fish -n "${completions[2]}"; fi
}
