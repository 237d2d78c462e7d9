// Unit tests for common/store/ids: UUIDv7 job and event ids, random lease tokens.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/timestamp.hpp"
#include "store/ids.hpp"

using sheratan::EpochMillis;
using sheratan::new_random_token;
using sheratan::new_uuid_v7;

namespace {

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int hex_value(char c) {
  return c <= '9' ? c - '0' : c - 'a' + 10;
}

// 8-4-4-4-12 lowercase hex.
bool has_uuid_shape(const std::string& id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !is_lower_hex(id[i])) return false;
  }
  return true;
}

std::uint64_t timestamp_of(const std::string& id) {
  std::uint64_t ms = 0;
  for (char c : id.substr(0, 8) + id.substr(9, 4))
    ms = (ms << 4) | static_cast<std::uint64_t>(hex_value(c));
  return ms;
}

// Runs f on a fresh thread, so that it starts from a fresh per-thread id sequence.
template <typename F>
void on_fresh_thread(F&& f) {
  std::thread thread(std::forward<F>(f));
  thread.join();
}

}  // namespace

TEST_CASE("new_uuid_v7 has the UUIDv7 layout", "[store][ids]") {
  const EpochMillis now = sheratan::SystemClock().now();
  const std::string sample = new_uuid_v7(now);
  INFO(sample);
  REQUIRE(has_uuid_shape(sample));
  CHECK(sample[14] == '7');                     // version nibble
  CHECK((hex_value(sample[19]) & 0xC) == 0x8);  // variant bits 10xx
  int bad = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_uuid_v7(now);
    if (!has_uuid_shape(id) || id[14] != '7' || (hex_value(id[19]) & 0xC) != 0x8) ++bad;
  }
  CHECK(bad == 0);
}

TEST_CASE("new_uuid_v7 carries the millisecond timestamp in its first 48 bits", "[store][ids]") {
  // A fresh thread: the per-thread sequence has seen no later time.
  std::vector<std::string> ids;
  on_fresh_thread([&] {
    ids.push_back(new_uuid_v7(0x0123456789AB));
    ids.push_back(new_uuid_v7(0x0123456789AC));
    ids.push_back(new_uuid_v7(1'764'184'800'123));
  });
  REQUIRE(ids.size() == 3);
  CHECK(ids[0].substr(0, 13) == "01234567-89ab");
  CHECK(timestamp_of(ids[1]) == 0x0123456789AC);
  CHECK(timestamp_of(ids[2]) == 1'764'184'800'123u);
}

TEST_CASE("new_uuid_v7 ids made in a tight loop are unique and strictly increasing", "[store][ids]") {
  constexpr int kCount = 100'000;
  sheratan::SystemClock clock;
  std::vector<std::string> ids;
  ids.reserve(kCount);
  for (int i = 0; i < kCount; ++i)
    ids.push_back(new_uuid_v7(clock.now()));
  int out_of_order = 0;
  for (std::size_t i = 1; i < ids.size(); ++i)
    if (!(ids[i - 1] < ids[i])) ++out_of_order;
  CHECK(out_of_order == 0);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
}

TEST_CASE("new_uuid_v7 stays increasing within one millisecond and when the clock goes back", "[store][ids]") {
  std::vector<std::string> ids;
  on_fresh_thread([&] {
    const EpochMillis base = 1'800'000'000'000;
    // Far more ids than the 12-bit counter holds in one millisecond.
    for (int i = 0; i < 10'000; ++i)
      ids.push_back(new_uuid_v7(base));
    ids.push_back(new_uuid_v7(base - 5'000));  // the wall clock stepped back
    ids.push_back(new_uuid_v7(base + 60'000));
  });
  int out_of_order = 0;
  for (std::size_t i = 1; i < ids.size(); ++i)
    if (!(ids[i - 1] < ids[i])) ++out_of_order;
  CHECK(out_of_order == 0);
  CHECK(timestamp_of(ids.front()) == 1'800'000'000'000u);
  CHECK(timestamp_of(ids.back()) == 1'800'000'060'000u);
  // Borrowing milliseconds when the counter runs out moves only a little ahead.
  CHECK(timestamp_of(ids[ids.size() - 2]) < 1'800'000'000'010u);
  int bad = 0;
  for (const auto& id : ids)
    if (!has_uuid_shape(id) || id[14] != '7' || (hex_value(id[19]) & 0xC) != 0x8) ++bad;
  CHECK(bad == 0);
}

TEST_CASE("new_random_token is 32 lowercase hex characters and random", "[store][ids]") {
  std::set<std::string> tokens;
  const std::string sample = new_random_token();
  CHECK(sample.size() == 32);
  CHECK(std::all_of(sample.begin(), sample.end(), is_lower_hex));
  int bad = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string token = new_random_token();
    if (token.size() != 32 || !std::all_of(token.begin(), token.end(), is_lower_hex)) ++bad;
    tokens.insert(token);
  }
  CHECK(bad == 0);
  CHECK(tokens.size() == 1000);
}
