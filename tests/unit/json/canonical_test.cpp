// Unit tests for common/json/canonical: RFC 8785 canonical form, SHA-256 and the
// canonical hash.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/error.hpp"
#include "json/canonical.hpp"

using nlohmann::json;
using sheratan::canonical_hash;
using sheratan::canonical_json;
using sheratan::sha256_hex;

namespace {

std::string canon(const char* text) {
  return canonical_json(json::parse(text));
}
std::string canon_number(double number) {
  return canonical_json(json(number));
}
double from_bits(std::uint64_t bits) {
  return std::bit_cast<double>(bits);
}

}  // namespace

TEST_CASE("sha256_hex matches the FIPS 180-2 test vectors", "[json][canonical]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Bytes, not C strings: an embedded NUL is hashed too.
  CHECK(sha256_hex(std::string("a\0b", 3)) != sha256_hex("a"));
}

TEST_CASE("canonical_json sorts keys by UTF-16 code units (RFC 8785 3.2.3)", "[json][canonical]") {
  const char* input = R"({
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    })";
  const std::string expected =
      "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
      "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
      "\"\U0001F600\":\"Emoji: Grinning Face\","
      "\"\uFB33\":\"Hebrew Letter Dalet With Dagesh\"}";
  CHECK(canon(input) == expected);
}

TEST_CASE("canonical_json puts a key above U+FFFF before keys in U+E000..U+FFFF", "[json][canonical]") {
  // UTF-8 byte order would put U+E000 (EE 80 80) and U+FFEE (EF BF AE) before U+1F600
  // (F0 9F 98 80); UTF-16 order puts the surrogate pair D83D DE00 first.
  const std::string expected = "{\"a\":1,\"\U0001F600\":2,\"\uE000\":3,\"\uFFEE\":4,\"\uFFFF\":5}";
  CHECK(canon(R"({"\uffff":5,"\uffee":4,"\ue000":3,"\ud83d\ude00":2,"a":1})") == expected);
  CHECK(canon(R"({"\ud83d\ude00":2,"\ue000":3,"a":1,"\uffee":4,"\uffff":5})") == expected);
}

TEST_CASE("canonical_json sorts ASCII keys and prefixes", "[json][canonical]") {
  CHECK(canon(R"({"b":1,"a":2,"B":3,"aa":4,"":5})") == R"({"":5,"B":3,"a":2,"aa":4,"b":1})");
}

TEST_CASE("canonical_json writes no whitespace and keeps array order", "[json][canonical]") {
  CHECK(canon(" { \"a\" : [ 1 , 2 , 3 ] ,\n\t\"b\" : { } , \"c\" : [ ] } ") == R"({"a":[1,2,3],"b":{},"c":[]})");
  CHECK(canon("[3, 1, 2]") == "[3,1,2]");
  CHECK(canon("[]") == "[]");
  CHECK(canon("{}") == "{}");
}

TEST_CASE("canonical_json writes literals", "[json][canonical]") {
  CHECK(canon("null") == "null");
  CHECK(canon("true") == "true");
  CHECK(canon("false") == "false");
  CHECK(canon("[null,true,false]") == "[null,true,false]");
}

TEST_CASE("canonical_json writes numbers in ECMAScript form", "[json][canonical]") {
  CHECK(canon_number(1.0) == "1");
  CHECK(canon_number(-1.0) == "-1");
  CHECK(canon_number(1e21) == "1e+21");
  CHECK(canon_number(1e20) == "100000000000000000000");
  CHECK(canon_number(1e-7) == "1e-7");
  CHECK(canon_number(-0.0) == "0");
  CHECK(canon_number(0.0) == "0");
  CHECK(canon_number(0.1) == "0.1");
  CHECK(canon_number(4.5) == "4.5");
  CHECK(canon_number(0.002) == "0.002");
  CHECK(canon_number(1e-27) == "1e-27");
  CHECK(canon_number(1e30) == "1e+30");
  CHECK(canon_number(-1.5e-10) == "-1.5e-10");
  CHECK(canon_number(123456789012.0) == "123456789012");
  CHECK(canonical_json(json(123456789012)) == "123456789012");
  CHECK(canonical_json(json(-42)) == "-42");
  CHECK(canonical_json(json(std::uint64_t{42})) == "42");
  CHECK(canon("[1.0, 1e21, 1e-7, -0.0, 0.1, 123456789012, 2.50]") == "[1,1e+21,1e-7,0,0.1,123456789012,2.5]");
}

TEST_CASE("canonical_json matches RFC 8785 Appendix B number samples", "[json][canonical]") {
  CHECK(canon_number(from_bits(0x0000000000000000)) == "0");
  CHECK(canon_number(from_bits(0x8000000000000000)) == "0");
  CHECK(canon_number(from_bits(0x0000000000000001)) == "5e-324");
  CHECK(canon_number(from_bits(0x8000000000000001)) == "-5e-324");
  CHECK(canon_number(from_bits(0x7fefffffffffffff)) == "1.7976931348623157e+308");
  CHECK(canon_number(from_bits(0xffefffffffffffff)) == "-1.7976931348623157e+308");
  CHECK(canon_number(from_bits(0x4340000000000000)) == "9007199254740992");
  CHECK(canon_number(from_bits(0xc340000000000000)) == "-9007199254740992");
  CHECK(canon_number(from_bits(0x44b52d02c7e14af5)) == "9.999999999999997e+22");
  CHECK(canon_number(from_bits(0x44b52d02c7e14af7)) == "1.0000000000000001e+23");
  CHECK(canon_number(from_bits(0x444b1ae4d6e2ef50)) == "1e+21");
  CHECK(canon_number(from_bits(0x3eb0c6f7a0b5ed8c)) == "9.999999999999997e-7");
  CHECK(canon_number(from_bits(0x41b3de4355555553)) == "333333333.3333332");
  CHECK(canon_number(from_bits(0x41b3de4355555554)) == "333333333.33333325");
  CHECK(canon_number(from_bits(0x41b3de4355555555)) == "333333333.3333333");
  CHECK(canon_number(from_bits(0x41b3de4355555556)) == "333333333.3333334");
  CHECK(canon_number(from_bits(0x41b3de4355555557)) == "333333333.33333343");
}

TEST_CASE("canonical_json matches the rest of RFC 8785 Appendix B", "[json][canonical][bug]") {
  // ECMAScript writes the shortest round-trip digits (1e+23, not 9.999999999999999e+22),
  // pads integral values below 1e21 with zeros rather than printing the exact binary
  // value, and writes plain decimals for 1e-6 <= |x| < 1e21.
  CHECK(canon_number(from_bits(0x4430000000000000)) == "295147905179352830000");
  CHECK(canon_number(from_bits(0x44b52d02c7e14af6)) == "1e+23");
  CHECK(canon_number(from_bits(0x444b1ae4d6e2ef4e)) == "999999999999999700000");
  CHECK(canon_number(from_bits(0x444b1ae4d6e2ef4f)) == "999999999999999900000");
  CHECK(canon_number(from_bits(0x3eb0c6f7a0b5ed8d)) == "0.000001");
  CHECK(canon_number(from_bits(0xbecbf647612f3696)) == "-0.0000033333333333333333");
  CHECK(canon_number(from_bits(0x43143ff3c1cb0959)) == "1424953923781206.2");
  CHECK(canon_number(0.00001) == "0.00001");
}

TEST_CASE("canonical_json refuses non-finite numbers", "[json][canonical]") {
  for (double number : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN()}) {
    try {
      canonical_json(json::array({1, number}));
      FAIL("expected an error for " << number);
    } catch (const sheratan::Error& error) {
      CHECK(error.code() == sheratan::ExitCode::bad_input);
      CHECK_THAT(error.what(), Catch::Matchers::Contains("non-finite"));
    }
  }
}

TEST_CASE("canonical_json escapes strings minimally (RFC 8785 3.2.2.2)", "[json][canonical]") {
  // The RFC's own sample string.
  CHECK(canon(R"("\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/")") == "\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");

  SECTION("control characters use \\u00xx with lowercase hex, or the short escapes") {
    CHECK(canonical_json(json(std::string("\x1f"))) == R"("\u001f")");
    CHECK(canonical_json(json(std::string("\x01"))) == R"("\u0001")");
    CHECK(canonical_json(json(std::string(1, '\0'))) == R"("\u0000")");
    CHECK(canonical_json(json("\x1b[0m")) == R"("\u001b[0m")");
    CHECK(canonical_json(json("a\nb")) == R"("a\nb")");
    CHECK(canonical_json(json("\t\r\b\f")) == R"("\t\r\b\f")");
  }
  SECTION("quotes and backslashes are escaped, the solidus is not") {
    CHECK(canonical_json(json("say \"hi\"")) == R"("say \"hi\"")");
    CHECK(canonical_json(json("C:\\dir")) == R"("C:\\dir")");
    CHECK(canonical_json(json("a/b")) == R"("a/b")");
  }
  SECTION("non-ASCII text stays literal UTF-8") {
    CHECK(canonical_json(json("\u00e9t\u00e9 \u20ac \U0001F600")) == "\"\u00e9t\u00e9 \u20ac \U0001F600\"");
    CHECK(canon(R"("\u00e9")") == "\"\u00e9\"");
    CHECK(canonical_json(json("\x7f")) == "\"\x7f\"");
    CHECK(canonical_json(json("\u2028")) == "\"\u2028\"");
  }
  SECTION("keys are escaped the same way") {
    CHECK(canonical_json(json{{"a\nb", 1}, {"\x1f", 2}}) == R"({"\u001f":2,"a\nb":1})");
  }
}

TEST_CASE("canonical_json refuses invalid UTF-8", "[json][canonical]") {
  CHECK_THROWS(canonical_json(json(std::string("\xff\xfe"))));
  CHECK_THROWS(canonical_json(json{{std::string("\xc3"), 1}}));
}

TEST_CASE("canonical_json canonicalizes nested values (RFC 8785 3.2.4)", "[json][canonical]") {
  const char* input = R"({
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    })";
  const std::string expected =
      "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
      "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
  CHECK(canon(input) == expected);
  CHECK(canonical_hash(json::parse(input)) == "2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb");

  CHECK(canon(R"({"b":[{"z":1,"a":{"y":null,"x":[]}}],"a":{}})") == R"({"a":{},"b":[{"a":{"x":[],"y":null},"z":1}]})");
  CHECK(canon(R"([[[]],[{}],{"k":[{"j":[1,{"i":2,"h":3}]}]}])") == R"([[[]],[{}],{"k":[{"j":[1,{"h":3,"i":2}]}]}])");
}

TEST_CASE("canonical_hash ignores key order and whitespace but not values", "[json][canonical]") {
  const json first = json::parse(R"({"kind":"build","params":{"a":1,"b":[1,2,{"y":2,"x":1}]},"n":1.0})");
  const json second = json::parse(
      "{ \"n\" : 1, \"params\" : { \"b\" : [1, 2, {\"x\": 1, \"y\": 2}], \"a\": 1 },\n"
      "  \"kind\" : \"build\" }");
  CHECK(canonical_json(first) == canonical_json(second));
  CHECK(canonical_hash(first) == canonical_hash(second));
  CHECK(canonical_hash(first) == sha256_hex(canonical_json(first)));
  CHECK(canonical_hash(first).size() == 64);

  json changed = first;
  changed["params"]["b"][1] = 3;
  CHECK(canonical_hash(changed) != canonical_hash(first));
  json reordered_array = first;
  reordered_array["params"]["b"] = json::array({2, 1, {{"x", 1}, {"y", 2}}});
  CHECK(canonical_hash(reordered_array) != canonical_hash(first));
}
