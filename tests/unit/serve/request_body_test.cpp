// Unit tests for common/serve/request_body: one object, an array, JSON lines, and the
// errors that name the line.
#include "serve/request_body.hpp"

#include <catch2/catch.hpp>

#include "support/test_support.hpp"

using namespace sheratan::serve;
using sheratan::ExitCode;
using sheratan::testing::error_of;

TEST_CASE("one object, also spread over lines") {
  auto body = parse_json_body(R"({"kind":"a"})", "application/json");
  CHECK(body.shape == BodyShape::object);
  REQUIRE(body.items.size() == 1);
  CHECK(body.items[0].line == 0);
  CHECK(body.items[0].value["kind"] == "a");
  auto spread = parse_json_body("{\n  \"kind\": \"a\"\n}\n", "");
  CHECK(spread.shape == BodyShape::object);
}

TEST_CASE("an array keeps each element's place as its line") {
  auto body = parse_json_body(R"( [{"kind":"a"},{"kind":"b"}])", "");
  CHECK(body.shape == BodyShape::array);
  REQUIRE(body.items.size() == 2);
  CHECK(body.items[1].line == 2);
  auto error = error_of([] { parse_json_body(R"([{"kind":"a"},3])", ""); });
  CHECK(std::string(error.what()) == "line 2: expected a JSON object, found integer");
  CHECK(error_of([] { parse_json_body("[]", ""); }).code() == ExitCode::bad_input);
}

TEST_CASE("JSON lines, by content type or by several lines; blank lines count") {
  auto body = parse_json_body("{\"kind\":\"a\"}\n\n{\"kind\":\"b\"}\n", "application/x-ndjson");
  CHECK(body.shape == BodyShape::lines);
  REQUIRE(body.items.size() == 2);
  CHECK(body.items[1].line == 3);
  auto guessed = parse_json_body("{\"kind\":\"a\"}\n{\"kind\":\"b\"}", "application/json");
  CHECK(guessed.shape == BodyShape::lines);
  auto error = error_of([] { parse_json_body("{\"kind\":\"a\"}\n{\"kind\":", ""); });
  CHECK(std::string(error.what()).rfind("line 2: malformed JSON at column", 0) == 0);
}

TEST_CASE("an empty or malformed body is bad input") {
  CHECK(error_of([] { parse_json_body(" \n", ""); }).code() == ExitCode::bad_input);
  auto error = error_of([] { parse_json_body("{\"kind\":", ""); });
  CHECK(std::string(error.what()).rfind("malformed JSON at column", 0) == 0);
  CHECK(error_of([] { parse_json_body("7", ""); }).code() == ExitCode::bad_input);
}

TEST_CASE("answers take the shape of the question") {
  std::vector<std::string> records{R"({"a":1})", R"({"b":2})"};
  CHECK(render_records(BodyShape::object, {records[0]}) == R"({"a":1})");
  CHECK(render_records(BodyShape::array, records) == R"([{"a":1},{"b":2}])");
  CHECK(render_records(BodyShape::lines, records) == "{\"a\":1}\n{\"b\":2}\n");
  CHECK(std::string(content_type_of(BodyShape::lines)) == "application/x-ndjson");
}
