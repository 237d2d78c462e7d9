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

std::string transition_events(std::size_t rows) {
  std::string text(kInsertEventPrefix);
  for (std::size_t row = 0; row < rows; ++row) {
    const int base = 4 + 4 * static_cast<int>(row);
    auto at = [&](int offset) { return "?" + std::to_string(base + offset); };
    text += (row ? ", (" : "(") + at(0) + ", ?1, ?2, ?3, " + at(1) + ", " + at(2) + ", " + at(3) + ")";
  }
  return text;
}

namespace {

// Rows of a CASE that are compared one by one; more are halved first.
constexpr std::size_t kCaseLeafRows = 8;

// The value for the row whose seq matches, among rows [begin, end) of `stride`
// parameters from `first`: the seq is the row's first parameter, the value its
// parameter `offset`. The rows are bound in ascending seq, so the CASE halves them by
// the seq of the middle row until kCaseLeafRows are left to compare: a row of 64 is
// found after 3 halvings and some 4 comparisons instead of 32.
std::string case_by_seq(std::size_t begin, std::size_t end, int first, int stride, int offset) {
  auto parameter = [&](std::size_t row, int at) {
    return "?" + std::to_string(first + static_cast<int>(row) * stride + at);
  };
  if (end - begin > kCaseLeafRows) {
    const std::size_t middle = begin + (end - begin) / 2;
    return "CASE WHEN seq < " + parameter(middle, 0) + " THEN " + case_by_seq(begin, middle, first, stride, offset) +
           " ELSE " + case_by_seq(middle, end, first, stride, offset) + " END";
  }
  std::string text = "CASE seq";
  for (std::size_t row = begin; row < end; ++row)
    text += " WHEN " + parameter(row, 0) + " THEN " + parameter(row, offset);
  return text + " END";
}

std::string case_by_seq(std::size_t rows, int first, int stride, int offset) {
  return case_by_seq(0, rows, first, stride, offset);
}

// "seq IN (?a, ?c, ...)": the rows' seqs.
std::string seq_in(std::size_t rows, int first, int stride) {
  std::string text = "seq IN (";
  for (std::size_t row = 0; row < rows; ++row)
    text += (row ? ", ?" : "?") + std::to_string(first + static_cast<int>(row) * stride);
  return text + ")";
}

}  // namespace

namespace {
std::string by_ids(std::string text, std::size_t rows) {
  for (std::size_t row = 0; row < rows; ++row)
    text += (row ? ", ?" : "?") + std::to_string(row + 1);
  return text + ")";
}
}  // namespace

std::string jobs_by_ids(std::size_t rows) {
  return by_ids("SELECT " SHERATAN_JOB_COLUMNS ", last_event FROM jobs WHERE id IN (", rows);
}

std::string ack_checks_by_ids(std::size_t rows) {
  return by_ids("SELECT " SHERATAN_ACK_CHECK_COLUMNS " FROM jobs WHERE id IN (", rows);
}

std::string lease_rows(std::size_t rows) {
  return "UPDATE OR FAIL jobs SET status = 'leased', attempts = attempts + 1, worker = ?1, lease_until = ?2, "
         "updated_at = ?3, lease_token = " +
         case_by_seq(rows, 4, 3, 1) + ", last_event = " + case_by_seq(rows, 4, 3, 2) + " WHERE " + seq_in(rows, 4, 3);
}

std::string done_rows(std::size_t rows) {
  return "UPDATE OR FAIL jobs SET status = 'done', finished_at = ?1, updated_at = ?1, lease_until = NULL, error = "
         "NULL, "
         "result = " +
         case_by_seq(rows, 2, 4, 1) + ", result_hash = " + case_by_seq(rows, 2, 4, 2) +
         ", last_event = " + case_by_seq(rows, 2, 4, 3) + " WHERE " + seq_in(rows, 2, 4);
}

}  // namespace sheratan::sql
