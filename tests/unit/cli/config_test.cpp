// Unit tests for common/cli/config: Config::find, text(), integer() precedence,
// Config::load and resolve_store_path.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/config.hpp"
#include "cli/error.hpp"
#include "support/test_support.hpp"

using sheratan::Config;
using sheratan::Error;
using sheratan::ExitCode;
using sheratan::resolve_store_path;

using sheratan::testing::error_of;
using sheratan::testing::ScopedEnv;
using sheratan::testing::TempDir;

namespace {

// The test environment variable names; none of these is used by the library itself.
constexpr const char* kEnvText = "SHERATAN_UNIT_TEST_TEXT";
constexpr const char* kEnvInt = "SHERATAN_UNIT_TEST_INT";

Config sample_config() {
  return Config::from_json(nlohmann::json::parse(R"({
      "db": "/from/file.db",
      "queue.max_depth": 7,
      "queue": {"max_depth": 99, "name": "jobs", "inner": {"deep": true}},
      "worker": {"concurrency": 4},
      "flat.only": "yes",
      "number_as_text": 12,
      "text_as_number": "12",
      "float": 1.5
    })"),
                           "/etc/sample.json");
}

}  // namespace

TEST_CASE("Config::find reads flat dotted keys and nested objects", "[cli][config]") {
  Config config = sample_config();
  CHECK(config.source() == "/etc/sample.json");

  SECTION("a flat dotted key wins over the nested path") {
    const nlohmann::json* value = config.find("queue.max_depth");
    REQUIRE(value != nullptr);
    CHECK(*value == 7);
  }
  SECTION("nested objects are walked by dots") {
    REQUIRE(config.find("worker.concurrency") != nullptr);
    CHECK(*config.find("worker.concurrency") == 4);
    REQUIRE(config.find("queue.name") != nullptr);
    CHECK(*config.find("queue.name") == "jobs");
    REQUIRE(config.find("queue.inner.deep") != nullptr);
    CHECK(*config.find("queue.inner.deep") == true);
    REQUIRE(config.find("queue") != nullptr);
    CHECK(config.find("queue")->is_object());
  }
  SECTION("flat keys are found whole") {
    REQUIRE(config.find("flat.only") != nullptr);
    CHECK(*config.find("flat.only") == "yes");
  }
  SECTION("missing keys give nullptr") {
    CHECK(config.find("nope") == nullptr);
    CHECK(config.find("queue.nope") == nullptr);
    CHECK(config.find("worker.concurrency.more") == nullptr);  // walking into a number
    CHECK(config.find("db.x") == nullptr);                     // walking into a string
    CHECK(config.find("queue.inner.deep.x") == nullptr);
    CHECK(config.find("") == nullptr);
    CHECK(config.find("queue.") == nullptr);
  }
  SECTION("an empty config finds nothing") {
    Config empty;
    CHECK(empty.find("db") == nullptr);
    CHECK(empty.find("a.b") == nullptr);
  }
}

TEST_CASE("Config::text resolves flag, then environment, then file", "[cli][config]") {
  Config config = sample_config();
  SECTION("flag wins over environment and file") {
    ScopedEnv env(kEnvText, "from-env");
    CHECK(config.text(std::string("from-flag"), kEnvText, "db") == std::optional<std::string>("from-flag"));
  }
  SECTION("environment wins over file") {
    ScopedEnv env(kEnvText, "from-env");
    CHECK(config.text(std::nullopt, kEnvText, "db") == std::optional<std::string>("from-env"));
  }
  SECTION("file when neither flag nor environment is set") {
    ScopedEnv env(kEnvText, std::nullopt);
    CHECK(config.text(std::nullopt, kEnvText, "db") == std::optional<std::string>("/from/file.db"));
    CHECK(config.text(std::nullopt, nullptr, "queue.name") == std::optional<std::string>("jobs"));
  }
  SECTION("an empty environment variable counts as unset") {
    ScopedEnv env(kEnvText, "");
    CHECK(config.text(std::nullopt, kEnvText, "db") == std::optional<std::string>("/from/file.db"));
  }
  SECTION("nothing anywhere gives nullopt") {
    ScopedEnv env(kEnvText, std::nullopt);
    CHECK_FALSE(config.text(std::nullopt, kEnvText, "missing").has_value());
  }
  SECTION("a wrong type in the file is bad input naming key and source") {
    ScopedEnv env(kEnvText, std::nullopt);
    Error error = error_of([&] { config.text(std::nullopt, kEnvText, "number_as_text"); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("'number_as_text'") &&
                                 Catch::Matchers::Contains("'/etc/sample.json'") &&
                                 Catch::Matchers::Contains("must be a string"));
  }
  SECTION("a wrong type in the file does not matter when the flag is given") {
    CHECK(config.text(std::string("x"), kEnvText, "number_as_text") == std::optional<std::string>("x"));
  }
}

TEST_CASE("Config::integer resolves flag, then environment, then file", "[cli][config]") {
  Config config = sample_config();
  SECTION("flag wins over environment and file") {
    ScopedEnv env(kEnvInt, "5");
    CHECK(config.integer(std::int64_t{3}, kEnvInt, "queue.max_depth") == std::optional<std::int64_t>(3));
  }
  SECTION("environment wins over file") {
    ScopedEnv env(kEnvInt, "5");
    CHECK(config.integer(std::nullopt, kEnvInt, "queue.max_depth") == std::optional<std::int64_t>(5));
    ScopedEnv negative(kEnvInt, "-42");
    CHECK(config.integer(std::nullopt, kEnvInt, "queue.max_depth") == std::optional<std::int64_t>(-42));
  }
  SECTION("file when neither flag nor environment is set") {
    ScopedEnv env(kEnvInt, std::nullopt);
    CHECK(config.integer(std::nullopt, kEnvInt, "queue.max_depth") == std::optional<std::int64_t>(7));
    CHECK(config.integer(std::nullopt, kEnvInt, "worker.concurrency") == std::optional<std::int64_t>(4));
    CHECK_FALSE(config.integer(std::nullopt, kEnvInt, "missing").has_value());
  }
  SECTION("an environment value that is not an integer is bad input naming it") {
    for (const char* text : {"abc", "12abc", "1.5", " "}) {
      ScopedEnv env(kEnvInt, text);
      Error error = error_of([&] { config.integer(std::nullopt, kEnvInt, "queue.max_depth"); });
      CHECK(error.code() == ExitCode::bad_input);
      CHECK_THAT(error.what(), Catch::Matchers::Contains(kEnvInt) &&
                                   Catch::Matchers::Contains("'" + std::string(text) + "'") &&
                                   Catch::Matchers::Contains("not an integer"));
    }
  }
  SECTION("a wrong type in the file is bad input") {
    ScopedEnv env(kEnvInt, std::nullopt);
    for (const char* key : {"text_as_number", "float", "queue"}) {
      INFO(key);
      Error error = error_of([&] { config.integer(std::nullopt, kEnvInt, key); });
      CHECK(error.code() == ExitCode::bad_input);
      CHECK_THAT(error.what(), Catch::Matchers::Contains("'" + std::string(key) + "'") &&
                                   Catch::Matchers::Contains("must be an integer"));
    }
  }
}

TEST_CASE("Config::integer refuses values it cannot hold", "[cli][config][bug]") {
  Config config = Config::from_json(nlohmann::json::parse(R"({"big": 18446744073709551615})"), "big.json");
  SECTION("an environment value past int64 is not silently clamped") {
    ScopedEnv env(kEnvInt, "99999999999999999999");
    CHECK_THROWS_AS(config.integer(std::nullopt, kEnvInt, "missing"), Error);
  }
  SECTION("a file value past int64 is not silently wrapped") {
    ScopedEnv env(kEnvInt, std::nullopt);
    CHECK_THROWS_AS(config.integer(std::nullopt, kEnvInt, "big"), Error);
  }
}

TEST_CASE("Config::load reads $SHERATAN_CONFIG and tolerates a missing file", "[cli][config]") {
  TempDir dir;
  SECTION("a file is read") {
    const auto file = dir.path() / "config.json";
    std::ofstream(file) << R"({"db": "/x/y.db", "queue": {"max_depth": 3}})";
    ScopedEnv env("SHERATAN_CONFIG", file.string());
    Config config = Config::load();
    CHECK(config.source() == file.string());
    REQUIRE(config.find("queue.max_depth") != nullptr);
    CHECK(*config.find("queue.max_depth") == 3);
  }
  SECTION("a missing file is no error") {
    ScopedEnv env("SHERATAN_CONFIG", (dir.path() / "absent.json").string());
    Config config = Config::load();
    CHECK(config.find("db") == nullptr);
  }
  SECTION("the XDG_CONFIG_HOME default is used when SHERATAN_CONFIG is unset") {
    std::filesystem::create_directories(dir.path() / "sheratan");
    std::ofstream(dir.path() / "sheratan" / "config.json") << R"({"db": "/xdg.db"})";
    ScopedEnv config_env("SHERATAN_CONFIG", std::nullopt);
    ScopedEnv xdg("XDG_CONFIG_HOME", dir.path().string());
    Config config = Config::load();
    REQUIRE(config.find("db") != nullptr);
    CHECK(*config.find("db") == "/xdg.db");
  }
  SECTION("malformed JSON is bad input naming the file") {
    const auto file = dir.path() / "broken.json";
    std::ofstream(file) << "{not json";
    ScopedEnv env("SHERATAN_CONFIG", file.string());
    Error error = error_of([] { Config::load(); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(),
               Catch::Matchers::Contains("'" + file.string() + "'") && Catch::Matchers::Contains("malformed JSON"));
  }
  SECTION("a file that is not an object is bad input") {
    const auto file = dir.path() / "array.json";
    std::ofstream(file) << "[1, 2]";
    ScopedEnv env("SHERATAN_CONFIG", file.string());
    Error error = error_of([] { Config::load(); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("must hold a JSON object"));
  }
}

TEST_CASE("resolve_store_path: --db, then SHERATAN_DB, then config db, then XDG default", "[cli][config]") {
  Config with_db = Config::from_json({{"db", "/config/store.db"}}, "config.json");
  Config without_db = Config::from_json(nlohmann::json::object(), "config.json");

  SECTION("the flag wins") {
    ScopedEnv env("SHERATAN_DB", "/env/store.db");
    CHECK(resolve_store_path(std::string("/flag/store.db"), with_db) == "/flag/store.db");
  }
  SECTION("then SHERATAN_DB") {
    ScopedEnv env("SHERATAN_DB", "/env/store.db");
    CHECK(resolve_store_path(std::nullopt, with_db) == "/env/store.db");
  }
  SECTION("then db in the config file") {
    ScopedEnv env("SHERATAN_DB", std::nullopt);
    CHECK(resolve_store_path(std::nullopt, with_db) == "/config/store.db");
  }
  SECTION("then $XDG_DATA_HOME/sheratan/sheratan.db") {
    ScopedEnv env("SHERATAN_DB", std::nullopt);
    ScopedEnv xdg("XDG_DATA_HOME", "/xdg/data");
    CHECK(resolve_store_path(std::nullopt, without_db) == "/xdg/data/sheratan/sheratan.db");
  }
  SECTION("else ~/.local/share/sheratan/sheratan.db") {
    ScopedEnv env("SHERATAN_DB", std::nullopt);
    ScopedEnv xdg("XDG_DATA_HOME", std::nullopt);
    ScopedEnv home("HOME", "/home/someone");
    CHECK(resolve_store_path(std::nullopt, without_db) == "/home/someone/.local/share/sheratan/sheratan.db");
  }
  SECTION("a db of the wrong type is bad input") {
    ScopedEnv env("SHERATAN_DB", std::nullopt);
    Config wrong = Config::from_json({{"db", 5}}, "config.json");
    CHECK(error_of([&] { resolve_store_path(std::nullopt, wrong); }).code() == ExitCode::bad_input);
  }
}
