#!/usr/bin/env bats
# The ledger's bash completion (tests/cli/docs/docs.bats checks every tool's man page
# and completion files against its --help-all).

load ../lib

LEDGER="$SHERATAN_BIN/sheratan-ledger"
completions=("$SHERATAN_SRC/completions/bash/sheratan-ledger" "$SHERATAN_SRC/completions/zsh/_sheratan-ledger"
  "$SHERATAN_SRC/completions/fish/sheratan-ledger.fish")

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
