#include "store/sql/queue_queries.hpp"

#include <string>

namespace sheratan::sql {

std::string multi_row_insert(std::string_view prefix, int columns, std::size_t rows) {
  std::string group = "(";
  for (int column = 0; column < columns; ++column)
    group += column ? ",?" : "?";
  group += ")";
  std::string text(prefix);
  text.reserve(prefix.size() + rows * (group.size() + 1));
  for (std::size_t row = 0; row < rows; ++row) {
    if (row) text += ',';
    text += group;
  }
  return text;
}

}  // namespace sheratan::sql
