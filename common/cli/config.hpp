#pragma once
// Settings with one precedence, written down once: flag, then SHERATAN_* environment,
// then the config file, then the built-in default. The config file is JSON:
// $SHERATAN_CONFIG, else $XDG_CONFIG_HOME/sheratan/config.json (~/.config/...).
// A missing config file is never an error; a malformed one is.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/duration.hpp"

namespace sheratan {

class Config {
 public:
  /// Loads the config file from its usual place (or nothing when there is none).
  static Config load();
  static Config from_json(nlohmann::json values, std::string source);

  /// A value by dotted key ("queue.max_depth"), or nullptr.
  const nlohmann::json* find(const std::string& dotted_key) const;

  /// Resolves a setting: flag, then the environment variable, then the file.
  /// Throws Error(bad_input) naming the source when the value has the wrong type.
  std::optional<std::string> text(const std::optional<std::string>& flag, const char* env,
                                  const std::string& key) const;
  std::optional<std::int64_t> integer(const std::optional<std::int64_t>& flag, const char* env,
                                      const std::string& key) const;

  /// A duration setting, in the same precedence: the flag (its error names flag_name),
  /// the environment variable, then the file (a string, or a number of seconds). Throws
  /// Error(bad_input) naming where the value came from when it does not parse.
  std::optional<Millis> duration(const std::optional<std::string>& flag, std::string_view flag_name, const char* env,
                                 const std::string& key) const;
  const std::string& source() const { return source_; }

 private:
  nlohmann::json values_ = nlohmann::json::object();
  std::string source_;
};

/// The store path: --db, then $SHERATAN_DB, then "db" in the config file, then
/// $XDG_DATA_HOME/sheratan/sheratan.db (~/.local/share/sheratan/sheratan.db).
std::string resolve_store_path(const std::optional<std::string>& flag, const Config& config);

}  // namespace sheratan
