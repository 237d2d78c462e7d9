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

namespace {

// "CASE seq WHEN ?a THEN ?b ... END" over `rows` rows of `stride` parameters from
// `first`: the seq is the row's first parameter, the value its parameter `offset`.
std::string case_by_seq(std::size_t rows, int first, int stride, int offset) {
  std::string text = "CASE seq";
  for (std::size_t row = 0; row < rows; ++row) {
    const int base = first + static_cast<int>(row) * stride;
    text += " WHEN ?" + std::to_string(base) + " THEN ?" + std::to_string(base + offset);
  }
  return text + " END";
}

// "seq IN (?a, ?c, ...)": the rows' seqs.
std::string seq_in(std::size_t rows, int first, int stride) {
  std::string text = "seq IN (";
  for (std::size_t row = 0; row < rows; ++row)
    text += (row ? ", ?" : "?") + std::to_string(first + static_cast<int>(row) * stride);
  return text + ")";
}

}  // namespace

std::string jobs_by_ids(std::size_t rows) {
  std::string text = "SELECT " SHERATAN_JOB_COLUMNS " FROM jobs WHERE id IN (";
  for (std::size_t row = 0; row < rows; ++row)
    text += (row ? ", ?" : "?") + std::to_string(row + 1);
  return text + ")";
}

std::string lease_rows(std::size_t rows) {
  return "UPDATE OR FAIL jobs SET status = 'leased', attempts = attempts + 1, worker = ?1, lease_until = ?2, "
         "updated_at = ?3, lease_token = " +
         case_by_seq(rows, 4, 2, 1) + " WHERE " + seq_in(rows, 4, 2);
}

std::string done_rows(std::size_t rows) {
  return "UPDATE OR FAIL jobs SET status = 'done', finished_at = ?1, updated_at = ?1, lease_until = NULL, error = "
         "NULL, "
         "result = " +
         case_by_seq(rows, 2, 3, 1) + ", result_hash = " + case_by_seq(rows, 2, 3, 2) + " WHERE " + seq_in(rows, 2, 3);
}

}  // namespace sheratan::sql
