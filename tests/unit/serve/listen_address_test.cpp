// Unit tests for common/serve/listen_address: HOST:PORT parsing and what loopback is.
#include "serve/listen_address.hpp"

#include <catch2/catch.hpp>

#include "support/test_support.hpp"

using namespace sheratan::serve;
using sheratan::ExitCode;
using sheratan::testing::error_of;

TEST_CASE("HOST:PORT and [IPV6]:PORT parse") {
  auto v4 = parse_listen_address("127.0.0.1:8001");
  CHECK(v4.host == "127.0.0.1");
  CHECK(v4.port == 8001);
  auto v6 = parse_listen_address("[::1]:0");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 0);
  CHECK(v6.to_string(4000) == "[::1]:4000");
  CHECK(v4.to_string(9) == "127.0.0.1:9");
}

TEST_CASE("loopback is 127.0.0.0/8, ::1 and localhost, nothing else") {
  for (const char* text : {"127.0.0.1:1", "127.9.8.7:1", "[::1]:1", "localhost:1"})
    CHECK(parse_listen_address(text).loopback());
  for (const char* text : {"0.0.0.0:1", "10.0.0.1:1", "[::]:1", "example.org:1", "128.0.0.1:1"})
    CHECK_FALSE(parse_listen_address(text).loopback());
}

TEST_CASE("a bad address is a usage error naming it") {
  for (const char* text : {"8001", "127.0.0.1:", ":8001", "127.0.0.1:65536", "127.0.0.1:-1", "::1:80", "h:8x"}) {
    auto error = error_of([&] { parse_listen_address(text); });
    CHECK(error.code() == ExitCode::usage);
    CHECK(std::string(error.what()).find(std::string("--listen '") + text + "'") == 0);
  }
}
