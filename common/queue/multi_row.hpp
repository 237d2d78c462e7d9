#pragma once
// Writing many rows with few statements: executing one statement per row cost more
// than storing the row, so batches (a push, a claim's leases and events, a batch of
// acks) write up to kRowsPerInsert rows per statement.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql/queue_queries.hpp"
#include "store/store.hpp"

namespace sheratan {

inline constexpr std::size_t kRowsPerInsert = 64;  // 2^6
inline constexpr std::size_t kRowShapes = 7;       // statements of 1, 2, 4, ... 64 rows

/// The texts of a statement for 1, 2, 4, ... kRowsPerInsert rows, by log2 of the rows.
using RowShapes = std::array<std::string, kRowShapes>;

template <typename Text>
RowShapes row_shapes(Text text_for_rows) {
  RowShapes shapes;
  for (std::size_t shape = 0; shape < kRowShapes; ++shape)
    shapes[shape] = text_for_rows(std::size_t{1} << shape);
  return shapes;
}

// Splits `count` rows into chunks of kRowsPerInsert rows, and the rest into chunks of
// the powers of two below it: 100 rows take three statements (64, 32, 4), not 37, and
// only seven statement shapes are ever prepared per statement. Calls
// chunk(first row, rows, shape) with rows = 2^shape.
template <typename Chunk>
inline void for_each_chunk(std::size_t count, Chunk chunk) {
  std::size_t at = 0;
  while (at < count) {
    std::size_t rows = kRowsPerInsert, shape = kRowShapes - 1;
    while (rows > count - at) {
      rows /= 2;
      --shape;
    }
    chunk(at, rows, shape);
    at += rows;
  }
}

// Runs a statement over rows in chunks (see for_each_chunk). text(shape) gives the text
// for 2^shape rows; bind_shared(statement) binds what every chunk shares and
// bind_row(statement, i, row) the i-th row of a chunk.
template <typename Row, typename Text, typename Shared, typename Bind>
inline void run_in_chunks(Store& store, const std::vector<Row>& rows, Text text, Shared bind_shared, Bind bind_row) {
  for_each_chunk(rows.size(), [&](std::size_t at, std::size_t chunk, std::size_t shape) {
    auto statement = store.use(text(shape));
    bind_shared(statement);
    for (std::size_t i = 0; i < chunk; ++i)
      bind_row(statement, static_cast<int>(i), rows[at + i]);
    statement.run();
  });
}

// Inserts rows with multi-row INSERTs (see run_in_chunks); bind_row(insert, base, row)
// binds a row's columns at base + 1, base + 2, ...
template <typename Row, typename Bind>
inline void insert_rows(Store& store, std::string_view prefix, int columns, const std::vector<Row>& rows,
                        Bind bind_row) {
  RowShapes texts;  // each statement's text is built once per call, when first needed
  run_in_chunks(
      store, rows,
      [&](std::size_t shape) -> const std::string& {
        if (texts[shape].empty()) texts[shape] = sql::multi_row_insert(prefix, columns, std::size_t{1} << shape);
        return texts[shape];
      },
      [](Statement&) {}, [&](Statement& insert, int i, const Row& row) { bind_row(insert, i * columns, row); });
}

}  // namespace sheratan
