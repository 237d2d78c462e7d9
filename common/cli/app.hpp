#pragma once
// What every tool shares: the global flags (--db, --json, --format, -q, -v,
// --version), the context passed down to subcommands, and run_tool(), the one place
// that turns errors into messages and exit codes.

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/config.hpp"
#include "cli/output.hpp"
#include "cli/timestamp.hpp"
#include "store/store.hpp"

namespace sheratan {

struct GlobalOptions {
  std::optional<std::string> db;
  bool json = false;
  std::optional<std::string> format;
  bool quiet = false;
  int verbose = 0;
};

/// The context a subcommand works in. Built once in main, passed down by reference.
class ToolContext {
 public:
  GlobalOptions options;
  Config config;
  SystemClock clock;
  /// Set by a subcommand that ends with a status other than 0 without an error
  /// (a negative answer, a deadline, a signal).
  int exit_status = 0;

  /// Opens the store named by --db/SHERATAN_DB/config/default. Readers pass
  /// create=false so that a mistyped path is an error rather than a new empty store.
  std::unique_ptr<Store> open_store(bool create = true) const;
  /// What open_store opens with: the path, SHERATAN_SYNC and the busy timeout.
  StoreOptions store_options(bool create = true) const;
  OutputFormat output_format() const { return choose_output_format(options.json, options.format); }
  std::string store_path() const { return resolve_store_path(options.db, config); }
};

/// Declares the global flags on the app (they are accepted before or after the
/// subcommand).
void add_global_options(CLI::App& app, GlobalOptions& options, const std::string& tool);

/// Subcommands that are declared together (they share code or flags).
struct SubcommandGroup {
  std::vector<std::string_view> names;
  std::function<void(CLI::App&, ToolContext&)> add;
};

/// Declares the groups whose subcommands argv names, or all of them, in order, when it
/// names none (no subcommand, a typo) or asks for --help-all; none for a bare
/// --version. Declaring every
/// subcommand with its flags costs a one-shot command more than the rest of its start.
void add_subcommands(CLI::App& app, ToolContext& context, int argc, char** argv,
                     const std::vector<SubcommandGroup>& groups);

/// Parses argv and runs the chosen subcommand's callback. Catches everything once:
/// usage errors exit 2 with a "did you mean" hint, Error exits with its code, anything
/// else exits 1. Returns the exit status.
int run_tool(CLI::App& app, ToolContext& context, int argc, char** argv);

/// The closest of the candidates to a mistyped word, if any is close enough.
std::optional<std::string> nearest_word(const std::string& word, const std::vector<std::string>& candidates);

/// True when stdin is a terminal (and so not a source of JSON lines).
bool stdin_is_terminal();

/// Who a recorded decision is from when --actor is not given: $USER, else "operator".
std::string default_actor();

}  // namespace sheratan
