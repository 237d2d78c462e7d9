// Unit tests for common/cli/prepared_batches: reading and preparing JSON lines on a
// second thread while the caller's thread handles the batch before.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli/prepared_batches.hpp"
#include "support/test_support.hpp"

using sheratan::for_each_prepared_batch;
using sheratan::InputLine;
using sheratan::JsonLinesReader;
using sheratan::testing::error_of;
using sheratan::testing::Pipe;

namespace {

// What a prepared batch records: its lines' numbers and the thread that prepared it.
struct Numbered {
  std::vector<std::size_t> lines;
  std::thread::id prepared_on;
};

using Prepare = std::function<Numbered(std::vector<InputLine>&)>;
using Handle = std::function<void(Numbered&)>;

Numbered number(std::vector<InputLine>& lines) {
  Numbered batch{{}, std::this_thread::get_id()};
  for (const auto& line : lines)
    batch.lines.push_back(line.line);
  return batch;
}

std::string objects(int count) {
  std::string text;
  for (int i = 1; i <= count; ++i)
    text += "{\"n\":" + std::to_string(i) + "}\n";
  return text;
}

}  // namespace

TEST_CASE("for_each_prepared_batch hands over batches in order, prepared on another thread",
          "[cli][prepared_batches]") {
  Pipe pipe;
  pipe.write(objects(10));
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());
  std::vector<std::vector<std::size_t>> handled;
  const Handle handle = [&](Numbered& batch) {
    CHECK(batch.prepared_on != std::this_thread::get_id());
    handled.push_back(batch.lines);
  };
  CHECK(for_each_prepared_batch(reader, 3, Prepare(number), handle) == 10);
  CHECK(handled == std::vector<std::vector<std::size_t>>{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10}});
}

TEST_CASE("for_each_prepared_batch reads an empty input as no batches", "[cli][prepared_batches]") {
  Pipe pipe;
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());
  int batches = 0;
  CHECK(for_each_prepared_batch(reader, 3, Prepare(number), Handle([&](Numbered&) { ++batches; })) == 0);
  CHECK(batches == 0);
}

TEST_CASE("for_each_prepared_batch reports a malformed line after the batches before its own",
          "[cli][prepared_batches]") {
  Pipe pipe;
  pipe.write(objects(7) + "{\"n\":\n" + objects(3));
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());
  std::vector<std::vector<std::size_t>> handled;
  const Handle handle = [&](Numbered& batch) { handled.push_back(batch.lines); };
  auto error = error_of([&] { for_each_prepared_batch(reader, 3, Prepare(number), handle); });
  CHECK(std::string(error.what()).rfind("line 8: malformed JSON", 0) == 0);
  // Lines 7 and 8 share a batch: line 7 is not handled either.
  CHECK(handled == std::vector<std::vector<std::size_t>>{{1, 2, 3}, {4, 5, 6}});
}

TEST_CASE("for_each_prepared_batch passes on what prepare throws, in order", "[cli][prepared_batches]") {
  Pipe pipe;
  pipe.write(objects(9));
  pipe.close_write();
  JsonLinesReader reader(pipe.read_end());
  const Prepare refuse_line_5 = [](std::vector<InputLine>& lines) {
    for (const auto& line : lines)
      if (line.line == 5) throw std::runtime_error("line 5 refused");
    return number(lines);
  };
  std::vector<std::vector<std::size_t>> handled;
  const Handle handle = [&](Numbered& batch) { handled.push_back(batch.lines); };
  CHECK_THROWS_WITH(for_each_prepared_batch(reader, 3, refuse_line_5, handle), "line 5 refused");
  CHECK(handled == std::vector<std::vector<std::size_t>>{{1, 2, 3}});
}

TEST_CASE("for_each_prepared_batch stops a reader blocked on an open pipe when handle throws",
          "[cli][prepared_batches]") {
  // The writer keeps its end open: without the interrupt, the reading thread would
  // wait for a next line forever and the join would hang this test.
  Pipe pipe;
  pipe.write(objects(2));
  JsonLinesReader reader(pipe.read_end());
  const Handle refuse = [](Numbered&) { throw std::runtime_error("store refused the batch"); };
  CHECK_THROWS_WITH(for_each_prepared_batch(reader, 100, Prepare(number), refuse), "store refused the batch");
  // The reader is usable again, without the interrupt: later lines are still there.
  pipe.write(objects(1));
  pipe.close_write();
  auto line = reader.next_object();
  REQUIRE(line);
  CHECK((*line)["n"] == 1);
}
