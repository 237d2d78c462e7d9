// Unit tests for common/json/jsonl: JsonLinesReader over pipes and files,
// parse_json_object and json_type_name.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "cli/error.hpp"
#include "json/jsonl.hpp"
#include "support/test_support.hpp"

using sheratan::Error;
using sheratan::ExitCode;
using sheratan::Json;
using sheratan::JsonLinesReader;
using sheratan::parse_json_object;

using sheratan::testing::error_of;
using sheratan::testing::Pipe;

namespace {

// An unlinked temporary file holding text, opened for reading at offset 0.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    std::string pattern = (std::filesystem::temp_directory_path() / "sheratan-jsonl-XXXXXX").string();
    fd_ = ::mkstemp(pattern.data());
    REQUIRE(fd_ >= 0);
    ::unlink(pattern.c_str());
    std::size_t written = 0;
    while (written < text.size()) {
      ssize_t got = ::write(fd_, text.data() + written, text.size() - written);
      REQUIRE(got > 0);
      written += static_cast<std::size_t>(got);
    }
    REQUIRE(::lseek(fd_, 0, SEEK_SET) == 0);
  }
  ~TempFile() { ::close(fd_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("JsonLinesReader reads objects from a pipe", "[json][jsonl]") {
  Pipe pipe;
  pipe.write("{\"a\":1}\n{\"b\":\"two\"}\n");
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());

  auto first = reader.next_object();
  REQUIRE(first.has_value());
  CHECK(*first == Json{{"a", 1}});
  CHECK(reader.line_number() == 1);

  auto second = reader.next_object();
  REQUIRE(second.has_value());
  CHECK(*second == Json{{"b", "two"}});
  CHECK(reader.line_number() == 2);

  CHECK_FALSE(reader.next_object().has_value());
  CHECK_FALSE(reader.next_object().has_value());  // stays at the end
  CHECK(reader.line_number() == 2);
}

TEST_CASE("JsonLinesReader skips blank lines but counts them", "[json][jsonl]") {
  TempFile file("\n{\"n\":1}\n\n   \n\t \n{\"n\":2}\n\n");
  JsonLinesReader reader(file.fd());
  auto first = reader.next_object();
  REQUIRE(first.has_value());
  CHECK((*first)["n"] == 1);
  CHECK(reader.line_number() == 2);
  auto second = reader.next_object();
  REQUIRE(second.has_value());
  CHECK((*second)["n"] == 2);
  CHECK(reader.line_number() == 6);
  CHECK_FALSE(reader.next_object().has_value());
  CHECK(reader.line_number() == 7);
}

TEST_CASE("JsonLinesReader reads a last line without its newline", "[json][jsonl]") {
  Pipe pipe;
  pipe.write("{\"n\":1}\n{\"n\":2}");
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());
  REQUIRE(reader.next_object().has_value());
  auto last = reader.next_object();
  REQUIRE(last.has_value());
  CHECK(*last == Json{{"n", 2}});
  CHECK(reader.line_number() == 2);
  CHECK_FALSE(reader.next_object().has_value());
}

TEST_CASE("JsonLinesReader accepts CRLF line ends", "[json][jsonl]") {
  TempFile file("{\"n\":1}\r\n\r\n{\"s\":\"x\"}\r\n");
  JsonLinesReader reader(file.fd());
  auto first = reader.next_object();
  REQUIRE(first.has_value());
  CHECK(*first == Json{{"n", 1}});
  auto second = reader.next_object();
  REQUIRE(second.has_value());
  CHECK(*second == Json{{"s", "x"}});  // the \r is not part of the value
  CHECK(reader.line_number() == 3);
  CHECK_FALSE(reader.next_object().has_value());
}

TEST_CASE("JsonLinesReader reads an empty input as no objects", "[json][jsonl]") {
  Pipe pipe;
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());
  CHECK_FALSE(reader.next_object().has_value());
  CHECK(reader.line_number() == 0);
}

TEST_CASE("JsonLinesReader reads lines longer than its read chunk", "[json][jsonl]") {
  const std::string big(200'000, 'x');
  std::string text;
  for (int i = 0; i < 3; ++i)
    text += "{\"i\":" + std::to_string(i) + ",\"big\":\"" + big + "\"}\n";
  text += "{\"tail\":true}\n";
  TempFile file(text);
  JsonLinesReader reader(file.fd());
  for (int i = 0; i < 3; ++i) {
    auto value = reader.next_object();
    REQUIRE(value.has_value());
    CHECK((*value)["i"] == i);
    CHECK((*value)["big"].get<std::string>().size() == big.size());
  }
  auto tail = reader.next_object();
  REQUIRE(tail.has_value());
  CHECK(*tail == Json{{"tail", true}});
  CHECK(reader.line_number() == 4);
  CHECK_FALSE(reader.next_object().has_value());
}

TEST_CASE("JsonLinesReader names the line of malformed JSON", "[json][jsonl]") {
  TempFile file("{\"ok\":1}\n\n{\"broken\": }\n{\"ok\":2}\n");
  JsonLinesReader reader(file.fd());
  REQUIRE(reader.next_object().has_value());
  Error error = error_of([&] { reader.next_object(); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("line 3: malformed JSON"));
  CHECK_THAT(error.what(), Catch::Matchers::Contains("column 12"));  // where the '}' is
  CHECK_THAT(error.what(), !Catch::Matchers::Contains("[json.exception"));
  // The reader can go on after a bad line.
  auto next = reader.next_object();
  REQUIRE(next.has_value());
  CHECK(*next == Json{{"ok", 2}});
  CHECK(reader.line_number() == 4);
}

TEST_CASE("JsonLinesReader refuses lines that are not objects", "[json][jsonl]") {
  const char* cases[][2] = {{"[1,2]", "array"}, {"\"text\"", "string"}, {"42", "integer"},
                            {"4.5", "number"},  {"null", "null"},       {"true", "boolean"}};
  for (const auto& entry : cases) {
    INFO(entry[0]);
    Pipe pipe;
    pipe.write(std::string("{}\n") + entry[0] + "\n");
    pipe.close_write();
    JsonLinesReader reader(pipe.read_end());
    REQUIRE(reader.next_object().has_value());
    Error error = error_of([&] { reader.next_object(); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK(std::string(error.what()) == std::string("line 2: input must be a JSON object, not ") + entry[1]);
  }
}

TEST_CASE("JsonLinesReader refuses two values on one line", "[json][jsonl]") {
  Pipe pipe;
  pipe.write("{\"a\":1} {\"b\":2}\n");
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());
  Error error = error_of([&] { reader.next_object(); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("line 1: malformed JSON"));
}

TEST_CASE("JsonLinesReader::has_buffered_input", "[json][jsonl]") {
  Pipe pipe;
  JsonLinesReader reader(pipe.read_end());
  CHECK_FALSE(reader.has_buffered_input());  // empty pipe, writer still open
  pipe.write("{\"n\":1}\n{\"n\":2}\n");
  CHECK(reader.has_buffered_input());  // readable now
  REQUIRE(reader.next_object().has_value());
  CHECK(reader.has_buffered_input());  // the second line is buffered
  REQUIRE(reader.next_object().has_value());
  CHECK_FALSE(reader.has_buffered_input());  // nothing left, writer still open
  pipe.close_write();
  CHECK_FALSE(reader.next_object().has_value());
  CHECK(reader.has_buffered_input());  // at the end: reading will not block
}

TEST_CASE("parse_json_object parses objects and names line and subject", "[json][jsonl]") {
  CHECK(parse_json_object(R"({"a":[1,2],"b":{"c":null}})", 1) == Json{{"a", {1, 2}}, {"b", {{"c", nullptr}}}});
  CHECK(parse_json_object("  {}  ", 0) == Json::object());

  SECTION("without a line number the message has no prefix") {
    Error error = error_of([] { parse_json_object("[1]", 0); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK(std::string(error.what()) == "input must be a JSON object, not array");
  }
  SECTION("the subject is named") {
    Error error = error_of([] { parse_json_object("\"x\"", 9, "--params"); });
    CHECK(std::string(error.what()) == "line 9: --params must be a JSON object, not string");
  }
  SECTION("malformed text") {
    for (const char* text : {"", "{", "{\"a\":}", "{'a':1}", "{\"a\":1,}"}) {
      INFO(text);
      Error error = error_of([&] { parse_json_object(text, 12); });
      CHECK(error.code() == ExitCode::bad_input);
      CHECK_THAT(error.what(), Catch::Matchers::StartsWith("line 12: malformed JSON"));
      CHECK_THAT(error.what(), !Catch::Matchers::Contains("[json.exception"));
    }
  }
}

TEST_CASE("json_type_name gives the names users see", "[json][jsonl]") {
  CHECK(std::string(sheratan::json_type_name(Json(nullptr))) == "null");
  CHECK(std::string(sheratan::json_type_name(Json(true))) == "boolean");
  CHECK(std::string(sheratan::json_type_name(Json("s"))) == "string");
  CHECK(std::string(sheratan::json_type_name(Json::array())) == "array");
  CHECK(std::string(sheratan::json_type_name(Json::object())) == "object");
  CHECK(std::string(sheratan::json_type_name(Json(-1))) == "integer");
  CHECK(std::string(sheratan::json_type_name(Json(std::uint64_t{1}))) == "integer");
  CHECK(std::string(sheratan::json_type_name(Json(1.5))) == "number");
}
