#pragma once
// Writing many rows with few statements: executing one statement per row cost more
// than storing the row, so batches (a push, a claim's events) insert kRowsPerInsert
// rows per statement.

#include <string>
#include <string_view>
#include <vector>

#include "store/sql/queue_queries.hpp"
#include "store/store.hpp"

namespace sheratan {

inline constexpr std::size_t kRowsPerInsert = 64;

// Writes rows with statements of kRowsPerInsert rows, and the rest one by one, so
// that only two statement shapes are ever prepared.
template <typename Row, typename Bind>
inline void insert_rows(Store& store, std::string_view prefix, int columns, const std::vector<Row>& rows,
                        Bind bind_row) {
  const std::string many = sql::multi_row_insert(prefix, columns, kRowsPerInsert);
  const std::string one = sql::multi_row_insert(prefix, columns, 1);
  std::size_t at = 0;
  while (at < rows.size()) {
    const std::size_t chunk = rows.size() - at >= kRowsPerInsert ? kRowsPerInsert : 1;
    auto insert = store.use(chunk == kRowsPerInsert ? many : one);
    for (std::size_t i = 0; i < chunk; ++i)
      bind_row(insert, static_cast<int>(i) * columns, rows[at + i]);
    insert.run();
    at += chunk;
  }
}

}  // namespace sheratan
