// Unit tests for common/serve/change_feed: a commit by another connection wakes a
// waiter; nothing moves while idle; stop() wakes everyone.
#include "serve/change_feed.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "support/test_support.hpp"

using namespace sheratan::serve;
using sheratan::Store;
using sheratan::StoreOptions;
using sheratan::testing::TempDir;

TEST_CASE("a commit by another connection moves the generation and wakes a waiter") {
  TempDir dir;
  StoreOptions options{dir.file("s.db"), true};
  auto writer = Store::open(options);
  ChangeFeed feed(options);
  const auto seen = feed.generation();
  std::thread commit([&] { writer->write([&] { writer->exec("CREATE TABLE t(x)"); }); });
  const auto start = std::chrono::steady_clock::now();
  feed.wait(seen, start + std::chrono::seconds(10));
  commit.join();
  CHECK(feed.generation() != seen);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("idle, the generation stays; a wait ends at its time") {
  TempDir dir;
  StoreOptions options{dir.file("s.db"), true};
  ChangeFeed feed(options);
  const auto seen = feed.generation();
  feed.wait(seen, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  CHECK(feed.generation() == seen);
}

TEST_CASE("stop wakes a waiter at once and later waits return") {
  TempDir dir;
  StoreOptions options{dir.file("s.db"), true};
  ChangeFeed feed(options);
  std::thread stopper([&] { feed.stop(); });
  feed.wait(feed.generation(), std::chrono::steady_clock::now() + std::chrono::seconds(30));
  stopper.join();
  CHECK(feed.stopping());
  const auto start = std::chrono::steady_clock::now();
  feed.wait(feed.generation(), start + std::chrono::seconds(30));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
