#!/usr/bin/env bats
# The documentation keeps up with the tools: man pages lint clean, every subcommand and
# every long flag of each tool's --help-all is in its man page and in each of its
# completion files, and the completion files pass the shells' syntax checks.

TOOLS=(queue worker ledger state probe serve)

setup() {
  : "${SHERATAN_BIN:?SHERATAN_BIN must name the build folder}"
  : "${SHERATAN_SRC:?SHERATAN_SRC must name the repository root}"
  dir=$(mktemp -d "${BATS_TMPDIR:-/tmp}/sheratan-docs.XXXXXX")
  export SHERATAN_DB="$dir/s.db" SHERATAN_CONFIG="$dir/none.json" HOME="$dir"
  unset SHERATAN_QUEUE SHERATAN_QUEUE_MAX_DEPTH XDG_DATA_HOME XDG_CONFIG_HOME
  completions=("$SHERATAN_SRC/completions/bash/sheratan-queue"
    "$SHERATAN_SRC/completions/zsh/_sheratan-queue"
    "$SHERATAN_SRC/completions/fish/sheratan-queue.fish")
}

teardown() {
  rm -rf "$dir"
}

completion_files() {
  printf '%s\n' "$SHERATAN_SRC/completions/bash/sheratan-$1" "$SHERATAN_SRC/completions/zsh/_sheratan-$1" \
    "$SHERATAN_SRC/completions/fish/sheratan-$1.fish"
}

# The subcommands a tool's --help-all lists, one a line.
subcommands() {
  "$SHERATAN_BIN/sheratan-$1" --help-all | sed -n '/^Subcommands:/,$p' | sed -n 's/^\([a-z][a-z-]*\)$/\1/p'
}

# The long flags a tool's --help-all defines (option lines only), without the dashes.
long_flags() {
  "$SHERATAN_BIN/sheratan-$1" --help-all |
    sed -n 's/^ *\(-[A-Za-z],\)\{0,1\}--\([a-z][a-z0-9-]*\).*/\2/p' | sort -u
}

@test "every man page lints clean with mandoc -Tlint -Wwarning" {
  local pages=() page_file out failed=0
  while IFS= read -r page_file; do pages+=("$page_file"); done \
    < <(find "$SHERATAN_SRC/man" -type f -name '*.[1-9]' | sort)
  [ "${#pages[@]}" -ge 8 ]
  for page_file in "${pages[@]}"; do
    out=$(mandoc -Tlint -Wwarning "$page_file" 2>&1) || true
    if [ -n "$out" ]; then
      printf '%s\n' "$out"
      failed=1
    fi
  done
  [ "$failed" -eq 0 ]
}

@test "the help lists the subcommands and flags the checks below rely on" {
  [ "$(subcommands queue | wc -l)" -ge 15 ]
  [ "$(subcommands ledger | wc -l)" -eq 19 ]
  [ "$(subcommands state | wc -l)" -ge 7 ]
  subcommands queue | grep -qx ingest
  long_flags queue | grep -qx older-than
  long_flags worker | grep -qx kill-grace
  local tool
  for tool in "${TOOLS[@]}"; do long_flags "$tool" | grep -qx db; done
}

@test "each man page documents every subcommand and every long flag of its tool" {
  local missing=() tool name page
  for tool in "${TOOLS[@]}"; do
    page="$SHERATAN_SRC/man/man1/sheratan-$tool.1"
    for name in $(subcommands "$tool"); do
      grep -Eq "^\.It Cm $name( |$)" "$page" || missing+=("$tool: subcommand $name")
    done
    for name in $(long_flags "$tool"); do
      grep -Eq "Fl -$name( |$)" "$page" || missing+=("$tool: --$name")
    done
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    printf 'missing from the man pages: %s\n' "${missing[*]}"
    return 1
  fi
}

@test "each completion file offers every subcommand and every long flag of its tool" {
  local missing=() tool file name
  for tool in "${TOOLS[@]}"; do
    while IFS= read -r file; do
      [ -f "$file" ] || missing+=("$file does not exist")
      for name in $(subcommands "$tool"); do
        grep -Eq "(^|[^a-z-])$name([^a-z-]|$)" "$file" || missing+=("$file: subcommand $name")
      done
      for name in $(long_flags "$tool"); do
        case $file in
          *.fish) grep -Eq -- "-l $name( |$)" "$file" || missing+=("$file: --$name") ;;
          *) grep -Eq -- "--$name([^a-z-]|$)" "$file" || missing+=("$file: --$name") ;;
        esac
      done
    done < <(completion_files "$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    printf 'missing: %s\n' "${missing[@]}"
    return 1
  fi
}

@test "completion files pass the shells' syntax checks" {
  local tool files
  for tool in "${TOOLS[@]}"; do
    mapfile -t files < <(completion_files "$tool")
    bash -n "${files[0]}"
    if command -v zsh >/dev/null; then zsh -n "${files[1]}"; fi
    if command -v fish >/dev/null; then fish -n "${files[2]}"; fi
  done
}

@test "bash completion: 'sheratan-queue pu' offers push" {
  source "${completions[0]}"
  COMP_WORDS=(sheratan-queue pu)
  COMP_CWORD=1
  COMPREPLY=()
  _sheratan_queue
  [[ " ${COMPREPLY[*]} " == *" push "* ]]
  [[ " ${COMPREPLY[*]} " != *" claim "* ]]
}

@test "bash completion: values for --format, --status and --priority" {
  source "${completions[0]}"
  COMP_WORDS=(sheratan-queue ls --format '')
  COMP_CWORD=3
  COMPREPLY=()
  _sheratan_queue
  [ "${COMPREPLY[*]}" = "table json tsv" ]
  COMP_WORDS=(sheratan-queue ls --status '')
  COMPREPLY=()
  _sheratan_queue
  [ "${COMPREPLY[*]}" = "pending ready leased done dead canceled blocked quarantined" ]
  COMP_WORDS=(sheratan-queue push --priority '')
  COMPREPLY=()
  _sheratan_queue
  [ "${COMPREPLY[*]}" = "critical high normal low" ]
}

@test "bash completion: job ids come from the store" {
  PATH="$SHERATAN_BIN:$PATH"
  local id
  id=$(sheratan-queue push noop --json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  [ -n "$id" ]
  source "${completions[0]}"
  COMP_WORDS=(sheratan-queue show '')
  COMP_CWORD=2
  COMPREPLY=()
  _sheratan_queue
  [ "${COMPREPLY[*]}" = "$id" ]
  # A store named with --db wins over $SHERATAN_DB.
  COMP_WORDS=(sheratan-queue --db "$SHERATAN_DB" cancel '')
  COMP_CWORD=4
  COMPREPLY=()
  SHERATAN_DB="$dir/other.db" _sheratan_queue
  [ "${COMPREPLY[*]}" = "$id" ]
}
