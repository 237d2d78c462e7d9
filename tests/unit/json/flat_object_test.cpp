// Unit tests for common/json/flat_object: the fast path gives what nlohmann::json::parse
// gives, value and number type alike, or declines.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "json/flat_object.hpp"

using nlohmann::json;
using sheratan::parse_flat_object;

namespace {

// Every value of the object, with its exact type, as text: "key=type:value;...".
std::string typed(const json& object) {
  std::string out;
  for (const auto& [key, value] : object.items())
    out += key + "=" + value.type_name() + (value.is_number_unsigned() ? "u" : "") + ":" + value.dump() + ";";
  return out;
}

}  // namespace

TEST_CASE("parse_flat_object reads flat objects as nlohmann does", "[json]") {
  for (const char* text : {
           R"({})",
           R"({"n":0})",
           R"({"n":-0})",
           R"({"n":7})",
           R"({"n":-7})",
           R"({"n":123456789012345678})",
           R"({"n":-123456789012345678})",
           R"({"a":"x","b":true,"c":false,"d":null,"e":""})",
           R"({"path":"README.md","mode":"0644 rw-r--r-- {}[],:"})",
           R"({"a":1,"a":2})",
           R"({"":1})",
       }) {
    INFO(text);
    auto fast = parse_flat_object(text);
    REQUIRE(fast.has_value());
    const json slow = json::parse(text);
    CHECK(*fast == slow);
    CHECK(typed(*fast) == typed(slow));
  }
}

TEST_CASE("parse_flat_object declines what it does not read, for nlohmann to parse", "[json]") {
  for (const char* text : {
           "",
           "{",
           "}",
           "[]",
           "null",
           R"({"n":1234567890123456789})",  // 19 digits may not fit
           R"({"n":01})",
           R"({"n":-})",
           R"({"n":1.5})",
           R"({"n":1e3})",
           R"({"n":1E3})",
           R"({"a":"é"})",
           R"({"a":"tab\there"})",
           R"({"a":"\"q\""})",
           R"({ "a":1})",
           R"({"a": 1})",
           R"({"a":1 })",
           R"({"a":[1]})",
           R"({"a":{"b":1}})",
           R"({"a":1,})",
           R"({"a"})",
           R"({"a":tru})",
           R"({"a":truex})",
           R"({"a":1x})",
           R"({"a":1}})",
           R"({"a":1,"b"})",
           R"({a:1})",
       }) {
    INFO(text);
    CHECK_FALSE(parse_flat_object(text).has_value());
  }
}
