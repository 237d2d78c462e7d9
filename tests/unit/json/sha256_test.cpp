// Unit tests for common/json/sha256: the CPU's SHA extensions and libsodium agree on
// every length around the block and padding boundaries, and both on known vectors.
#include <catch2/catch.hpp>

#include <string>

#include "json/canonical.hpp"
#include "json/sha256.hpp"

using sheratan::sha256;
using sheratan::sha256_hex;
using sheratan::sha256_portable;

TEST_CASE("sha256: the FIPS 180-2 vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1'000'000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: the same digest as libsodium for every length up to 1,100 bytes") {
  INFO("uses the CPU's SHA extensions: " << sheratan::sha256_uses_cpu_extensions());
  std::string bytes;
  std::uint32_t seed = 12345;
  for (std::size_t length = 0; length <= 1'100; ++length) {
    CHECK(sha256(bytes) == sha256_portable(bytes));
    seed = seed * 1'103'515'245u + 12'345u;
    bytes += static_cast<char>(seed >> 24);
  }
}
