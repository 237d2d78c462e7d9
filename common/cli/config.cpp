#include "cli/config.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/jsonl.hpp"

namespace sheratan {
namespace {

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

std::string home_relative(const char* xdg_variable, const char* fallback, const char* leaf) {
  if (auto base = environment(xdg_variable)) return *base + "/" + leaf;
  auto home = environment("HOME").value_or(".");
  return home + "/" + fallback + "/" + leaf;
}

}  // namespace

Config Config::load() {
  std::string path =
      environment("SHERATAN_CONFIG").value_or(home_relative("XDG_CONFIG_HOME", ".config", "sheratan/config.json"));
  std::ifstream file(path);
  if (!file) return {};
  std::stringstream text;
  text << file.rdbuf();
  nlohmann::json values;
  try {
    values = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& error) {
    fail(ExitCode::bad_input, "config file " + quote(path) + ": " + describe_parse_error(error));
  }
  if (!values.is_object()) fail(ExitCode::bad_input, "config file " + quote(path) + " must hold a JSON object");
  return from_json(std::move(values), path);
}

Config Config::from_json(nlohmann::json values, std::string source) {
  Config config;
  config.values_ = std::move(values);
  config.source_ = std::move(source);
  return config;
}

const nlohmann::json* Config::find(const std::string& dotted_key) const {
  // A flat key ("queue.max_depth": 10) wins over nesting ({"queue":{"max_depth":10}}).
  if (auto flat = values_.find(dotted_key); flat != values_.end()) return &*flat;
  const nlohmann::json* node = &values_;
  std::size_t start = 0;
  while (start <= dotted_key.size()) {
    std::size_t dot = dotted_key.find('.', start);
    std::string part = dotted_key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object()) return nullptr;
    auto child = node->find(part);
    if (child == node->end()) return nullptr;
    node = &*child;
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
  return nullptr;
}

std::optional<std::string> Config::text(const std::optional<std::string>& flag, const char* env,
                                        const std::string& key) const {
  if (flag) return flag;
  if (env)
    if (auto value = environment(env)) return value;
  const nlohmann::json* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_string())
    fail(ExitCode::bad_input, "config " + quote(key) + " in " + quote(source_) + " must be a string");
  return value->get<std::string>();
}

std::optional<Millis> Config::duration(const std::optional<std::string>& flag, std::string_view flag_name,
                                       const char* env, const std::string& key) const {
  if (flag) return parse_duration_flag(*flag, flag_name);
  auto from = [](const nlohmann::json& value, const std::string& where) -> Millis {
    try {
      return parse_duration_json(value);
    } catch (const Error& error) {
      fail(error.code(), where + ": " + error.what());
    }
  };
  if (env)
    if (auto value = environment(env)) return from(nlohmann::json(*value), std::string("environment ") + env);
  if (const nlohmann::json* value = find(key)) return from(*value, "config " + quote(key) + " in " + quote(source_));
  return std::nullopt;
}

std::optional<std::int64_t> Config::integer(const std::optional<std::int64_t>& flag, const char* env,
                                            const std::string& key) const {
  if (flag) return flag;
  if (env)
    if (auto value = environment(env)) {
      char* end = nullptr;
      errno = 0;
      long long number = std::strtoll(value->c_str(), &end, 10);
      if (end == value->c_str() || *end != '\0' || errno == ERANGE)
        fail(ExitCode::bad_input,
             std::string("environment ") + env + "=" + quote(*value) + " is not an integer in range");
      return number;
    }
  const nlohmann::json* value = find(key);
  if (!value) return std::nullopt;
  if (!value->is_number_integer() ||
      (value->is_number_unsigned() && value->get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max()))
    fail(ExitCode::bad_input, "config " + quote(key) + " in " + quote(source_) + " must be an integer in range");
  return value->get<std::int64_t>();
}

std::string resolve_store_path(const std::optional<std::string>& flag, const Config& config) {
  if (auto path = config.text(flag, "SHERATAN_DB", "db")) return *path;
  return home_relative("XDG_DATA_HOME", ".local/share", "sheratan/sheratan.db");
}

}  // namespace sheratan
