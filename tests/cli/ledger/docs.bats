#!/usr/bin/env bats
# The ledger's documentation keeps up with the tool: every subcommand and long flag of
# `sheratan-ledger --help-all` is in the man page and in each completion file.

load ../lib

LEDGER="$SHERATAN_BIN/sheratan-ledger"
page="$SHERATAN_SRC/man/man1/sheratan-ledger.1"
completions=("$SHERATAN_SRC/completions/bash/sheratan-ledger" "$SHERATAN_SRC/completions/zsh/_sheratan-ledger"
  "$SHERATAN_SRC/completions/fish/sheratan-ledger.fish")

subcommands() { "$LEDGER" --help-all | sed -n '/^Subcommands:/,$p' | sed -n 's/^\([a-z][a-z-]*\)$/\1/p'; }
long_flags() { "$LEDGER" --help-all | sed -n 's/^ *\(-[A-Za-z],\)\{0,1\}--\([a-z][a-z0-9-]*\).*/\2/p' | sort -u; }

@test "the man page lints clean and documents every subcommand and long flag" {
  run mandoc -Tlint -Wwarning "$page"
  assert_equal "$output" ""
  [ "$(subcommands | wc -l)" -eq 18 ]
  local missing=() name
  for name in $(subcommands); do
    grep -Eq "^\.It Cm $name( |$)" "$page" || missing+=("subcommand $name")
  done
  for name in $(long_flags); do
    grep -Eq "Fl -$name( |$)" "$page" || missing+=("--$name")
  done
  assert_equal "${missing[*]}" ""
}

@test "each completion file offers every subcommand and long flag, and passes its shell's syntax check" {
  local missing=() file name
  for file in "${completions[@]}"; do
    for name in $(subcommands); do
      grep -Eq "(^|[^a-z-])$name([^a-z-]|$)" "$file" || missing+=("$file: $name")
    done
    for name in $(long_flags); do
      case $file in
        *.fish) grep -Eq -- "-l $name( |$)" "$file" || missing+=("$file: --$name") ;;
        *) grep -Eq -- "--$name([^a-z-]|$)" "$file" || missing+=("$file: --$name") ;;
      esac
    done
  done
  assert_equal "${missing[*]}" ""
  bash -n "${completions[0]}"
  if command -v zsh >/dev/null; then zsh -n "${completions[1]}"; fi
  if command -v fish >/dev/null; then fish -n "${completions[2]}"; fi
}

@test "bash completion: subcommands, flags and accounts from the store" {
  PATH="$SHERATAN_BIN:$PATH"
  "$LEDGER" open alice >/dev/null
  source "${completions[0]}"
  COMP_WORDS=(sheratan-ledger se)
  COMP_CWORD=1
  COMPREPLY=()
  _sheratan_ledger
  assert_equal "${COMPREPLY[*]}" "settle"
  COMP_WORDS=(sheratan-ledger balance al)
  COMP_CWORD=2
  COMPREPLY=()
  _sheratan_ledger
  assert_equal "${COMPREPLY[*]}" "alice"
  COMP_WORDS=(sheratan-ledger open --kind '')
  COMP_CWORD=3
  COMPREPLY=()
  _sheratan_ledger
  assert_equal "${COMPREPLY[*]}" "user worker operator system"
}
