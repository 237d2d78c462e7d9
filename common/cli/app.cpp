#include "cli/app.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "sheratan_version.hpp"

namespace sheratan {

std::unique_ptr<Store> ToolContext::open_store(bool create) const {
  return Store::open(store_options(create));
}

StoreOptions ToolContext::store_options(bool create) const {
  StoreOptions store_options;
  store_options.path = store_path();
  store_options.create = create;
  const char* sync = std::getenv("SHERATAN_SYNC");
  store_options.durable = !(sync && std::string_view(sync) == "normal");
  if (auto timeout = config.duration(std::nullopt, {}, "SHERATAN_BUSY_TIMEOUT", "busy_timeout"))
    store_options.busy_timeout_ms = *timeout;
  return store_options;
}

void add_global_options(CLI::App& app, GlobalOptions& options, const std::string& tool) {
  app.set_version_flag("--version", tool + " " + kVersion);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  auto* global = "Global options";
  app.add_option("--db", options.db, "Store path (else $SHERATAN_DB, config 'db', ~/.local/share/sheratan/sheratan.db)")
      ->check([](const std::string& path) { return path.empty() ? std::string("must not be empty") : ""; })
      ->group(global);
  app.add_flag("--json", options.json, "Print JSON lines (the default when stdout is not a terminal)")->group(global);
  app.add_option("--format", options.format, "Output format: table, json or tsv")
      ->check(CLI::IsMember({"table", "json", "tsv"}))
      ->group(global);
  app.add_flag("-q,--quiet", options.quiet, "Print no informational messages on stderr")->group(global);
  app.add_flag("-v,--verbose", options.verbose, "Print more on stderr (repeat for more)")->group(global);
  app.fallthrough();
  app.require_subcommand(1);
}

void add_subcommands(CLI::App& app, ToolContext& context, int argc, char** argv,
                     const std::vector<SubcommandGroup>& groups) {
  auto named = [&](const SubcommandGroup& group) {
    for (int i = 1; i < argc; ++i)
      if (std::find(group.names.begin(), group.names.end(), std::string_view(argv[i])) != group.names.end())
        return true;
    return false;
  };
  auto given = [&](std::string_view flag) {
    for (int i = 1; i < argc; ++i)
      if (flag == argv[i]) return true;
    return false;
  };
  bool all = std::none_of(groups.begin(), groups.end(), named);
  if (all && given("--version") && !given("--help") && !given("-h")) all = false;  // needs none
  all = all || given("--help-all");
  for (const auto& group : groups)
    if (all || named(group)) group.add(app, context);
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The names of the subcommands and long flags of app and of its subcommands, nested too.
std::vector<std::string> known_words(const CLI::App& app) {
  std::vector<std::string> words;
  std::vector<const CLI::App*> scopes{&app};
  for (std::size_t at = 0; at < scopes.size(); ++at) {
    for (const auto* option : scopes[at]->get_options())
      for (const auto& name : option->get_lnames())
        words.push_back("--" + name);
    for (const auto* sub : scopes[at]->get_subcommands({})) {
      words.push_back(sub->get_name());
      scopes.push_back(sub);
    }
  }
  return words;
}

// The first word shaped like a long flag that no option of the tool has: CLI11 may
// have taken it for an argument ("args: At Most 3 required but received 4") or let its
// value pass for a subcommand, and then the message would blame something else.
std::optional<std::string> unknown_flag(const CLI::App& app, int argc, char** argv) {
  const auto words = known_words(app);
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") break;  // the words after it are arguments
    if (!word.starts_with("--")) continue;
    const std::string name = word.substr(0, word.find('='));
    if (std::find(words.begin(), words.end(), name) != words.end()) continue;
    std::string hint = "unknown flag " + quote(name);
    if (auto near = nearest_word(name, words)) hint += " (did you mean " + quote(*near) + "?)";
    return hint;
  }
  return std::nullopt;
}

std::string usage_hint(const CLI::App& app, const CLI::Error& error, int argc, char** argv) {
  std::string message = message_fragment(error.what());
  if (auto hint = unknown_flag(app, argc, argv)) return *hint;
  // A value CLI11 refused already names its flag ("--threads: Value 0 not in range ...").
  if (dynamic_cast<const CLI::ValidationError*>(&error) || dynamic_cast<const CLI::ConversionError*>(&error))
    return message;
  // A mistyped subcommand: the first word that is not a flag names no subcommand. (A
  // tool without subcommands has none to mistype: its words are values of flags.)
  const bool has_subcommands = !app.get_subcommands({}).empty();
  for (int i = 1; has_subcommands && i < argc; ++i) {
    std::string word = argv[i];
    if (word.starts_with("-")) {
      if (word.find('=') == std::string::npos && (word == "--db" || word == "--format")) ++i;
      continue;
    }
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands({}))
      names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) != names.end()) break;
    std::string hint = "unknown subcommand " + quote(word);
    if (auto near = nearest_word(word, names)) hint += " (did you mean " + quote(*near) + "?)";
    return hint;
  }
  // CLI11 reports unknown words as "The following arguments were not expected: x y".
  auto colon = message.rfind(": ");
  if (colon != std::string::npos && message.find("not expected") != std::string::npos) {
    // The list may hold a flag's value too ("3 --prioriti"): suggest for the flag.
    std::string list = message.substr(colon + 2), word;
    for (std::size_t at = 0; at < list.size();) {
      std::size_t space = list.find(' ', at);
      std::string candidate = list.substr(at, space == std::string::npos ? std::string::npos : space - at);
      if (word.empty() || (candidate.starts_with("-") && !word.starts_with("-"))) word = candidate;
      if (space == std::string::npos) break;
      at = space + 1;
    }
    if (auto near = nearest_word(word, known_words(app))) return message + " (did you mean " + quote(*near) + "?)";
  }
  return message;
}

}  // namespace

std::optional<std::string> nearest_word(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

bool stdin_is_terminal() {
  return isatty(STDIN_FILENO) != 0;
}

std::string default_actor() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "operator";
}

int run_tool(CLI::App& app, ToolContext& context, int argc, char** argv) {
  std::string tool = app.get_name();
  set_program_name(tool);
  try {
    try {
      context.config = Config::load();
      app.parse_complete_callback([&] { set_verbosity(context.options.quiet ? -1 : context.options.verbose); });
      app.parse(argc, argv);
    } catch (const CLI::Success& success) {
      return app.exit(success);  // --help, --version: stdout, exit 0
    } catch (const CLI::ParseError& error) {
      print_error(usage_hint(app, error, argc, argv));
      std::fprintf(stderr, "Run '%s --help' for usage.\n", tool.c_str());
      return to_int(ExitCode::usage);
    }
  } catch (const Error& error) {
    if (error.code() == ExitCode::usage)
      std::fprintf(stderr, "%s: error: %s\nRun '%s --help' for usage.\n", tool.c_str(), error.what(), tool.c_str());
    else
      print_error(error.what());
    if (!error.record().empty()) std::fprintf(stderr, "%s\n", error.record().c_str());
    return to_int(error.code());
  } catch (const std::exception& error) {
    print_error(error.what());
    return to_int(ExitCode::failed);
  }
  return context.exit_status;
}

}  // namespace sheratan
