#pragma once
// Writing many rows with few statements: executing one statement per row cost more
// than storing the row, so batches (a push, a claim's events) insert up to
// kRowsPerInsert rows per statement.

#include <string>
#include <string_view>
#include <vector>

#include "store/sql/queue_queries.hpp"
#include "store/store.hpp"

namespace sheratan {

inline constexpr std::size_t kRowsPerInsert = 64;  // 2^6

// Writes rows with statements of kRowsPerInsert rows, and the rest with statements of
// the powers of two below it: 100 rows take three statements (64, 32, 4), not 37, and
// only seven statement shapes are ever prepared per table.
template <typename Row, typename Bind>
inline void insert_rows(Store& store, std::string_view prefix, int columns, const std::vector<Row>& rows,
                        Bind bind_row) {
  std::string texts[8];  // by log2 of the chunk: each statement's text is built once per call
  std::size_t at = 0;
  while (at < rows.size()) {
    std::size_t chunk = kRowsPerInsert, shape = 6;
    while (chunk > rows.size() - at) {
      chunk /= 2;
      --shape;
    }
    if (texts[shape].empty()) texts[shape] = sql::multi_row_insert(prefix, columns, chunk);
    auto insert = store.use(texts[shape]);
    for (std::size_t i = 0; i < chunk; ++i)
      bind_row(insert, static_cast<int>(i) * columns, rows[at + i]);
    insert.run();
    at += chunk;
  }
}

}  // namespace sheratan
