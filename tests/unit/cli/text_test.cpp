// Unit tests for common/cli/text: UTF-8 checks, cutting and printable quoting.
#include <catch2/catch.hpp>

#include <string>

#include "cli/text.hpp"

using namespace sheratan;

TEST_CASE("is_valid_utf8 takes well-formed UTF-8 and refuses the rest") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  CHECK_FALSE(is_valid_utf8("a\xff"));
  CHECK_FALSE(is_valid_utf8("\xc3"));              // cut short
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\x80"));              // a lone continuation byte
}

TEST_CASE("utf8_length counts characters, utf8_prefix never cuts one") {
  CHECK(utf8_length("caf\xc3\xa9") == 4);
  CHECK(utf8_length("a\xff") == 2);
  CHECK(utf8_prefix("caf\xc3\xa9", 4) == "caf");
  CHECK(utf8_prefix("caf\xc3\xa9", 5) == "caf\xc3\xa9");
  CHECK(utf8_prefix("abc", 10) == "abc");
  CHECK(utf8_first_chars("\xc3\xa9t\xc3\xa9", 2) == "\xc3\xa9t");
  CHECK(utf8_first_chars("ab", 5) == "ab");
}

TEST_CASE("printable escapes control and invalid bytes and cuts long text") {
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(printable("a\nb\tc\rd") == "a\\nb\\tc\\rd");
  CHECK(printable("a\xff\x01") == "a\\xff\\x01");
  CHECK(printable("a\xc2\x9b"
                  "b") == "a\\u009bb");  // C1 control CSI
  CHECK(printable("\xe2\x80\xae"
                  "evil") == "\\u202eevil");                                   // right-to-left override
  CHECK(printable("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");  // letters stay
  CHECK(printable(std::string(300, 'x'), 10) == "xxxxxxxxxx... (300 bytes)");
  CHECK(is_valid_utf8(printable("\xe2\x82\xac\xe2\x82\xac", 4)));  // cut before the second €
}
