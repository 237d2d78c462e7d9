#include "cli/output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "cli/text.hpp"

namespace sheratan {
namespace {
constexpr std::size_t kTableSampleRows = 500;
constexpr std::size_t kMaxCellWidth = 60;
}  // namespace

OutputFormat choose_output_format(bool json_flag, const std::optional<std::string>& format) {
  if (json_flag) return OutputFormat::json;
  if (format) {
    if (*format == "json") return OutputFormat::json;
    if (*format == "table") return OutputFormat::table;
    if (*format == "tsv") return OutputFormat::tsv;
    fail(ExitCode::usage, "unknown format " + quote(*format) + " (one of table, json, tsv)");
  }
  return isatty(STDOUT_FILENO) ? OutputFormat::table : OutputFormat::json;
}

std::string cell_text(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

RecordPrinter::RecordPrinter(OutputFormat format, std::vector<std::string> columns, std::string* sink)
    : format_(format), sink_(sink), columns_(std::move(columns)), widths_(columns_.size(), 0) {}

void RecordPrinter::emit(std::string_view text) {
  if (sink_)
    sink_->append(text);
  else
    std::fwrite(text.data(), 1, text.size(), stdout);
}

RecordPrinter::~RecordPrinter() {
  if (!finished_) {
    try {
      finish();
    } catch (...) {  // a destructor must not throw; finish() is called explicitly on the normal path
    }
  }
}

std::vector<std::string> RecordPrinter::cells_of(const Json& record) const {
  std::vector<std::string> cells;
  cells.reserve(columns_.size());
  for (const auto& column : columns_) {
    auto found = record.find(column);
    std::string text = found == record.end() ? "-" : cell_text(*found);
    if (format_ == OutputFormat::tsv) {
      // One line a record, one tab between cells: whatever else the text holds.
      std::replace_if(
          text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    } else if (format_ == OutputFormat::table) {
      // A control character or a byte that is no UTF-8 would break the row or the
      // terminal: shown escaped, as in messages.
      text = printable(text, text.size());
    }
    cells.push_back(std::move(text));
  }
  return cells;
}

void RecordPrinter::print(const Json& record) {
  switch (format_) {
    case OutputFormat::json:
      emit(json_line(record));
      return;
    case OutputFormat::tsv: {
      std::string line;
      if (!header_done_) {
        for (std::size_t i = 0; i < columns_.size(); ++i)
          line += (i ? "\t" : "") + columns_[i];
        line += '\n';
        header_done_ = true;
      }
      auto cells = cells_of(record);
      for (std::size_t i = 0; i < cells.size(); ++i)
        line += (i ? "\t" : "") + cells[i];
      line += '\n';
      emit(line);
      return;
    }
    case OutputFormat::table:
      buffered_.push_back(cells_of(record));
      if (buffered_.size() >= kTableSampleRows) print_table_rows();
      return;
  }
}

void RecordPrinter::print_table_rows() {
  if (!header_done_) {
    for (std::size_t i = 0; i < columns_.size(); ++i)
      widths_[i] = columns_[i].size();
    for (const auto& row : buffered_)
      for (std::size_t i = 0; i < row.size(); ++i)
        widths_[i] = std::max(widths_[i], std::min(utf8_length(row[i]), kMaxCellWidth));
  }
  std::string out;
  // Widths count characters, not bytes, and a long cell is cut between characters.
  auto append_row = [&](const std::vector<std::string>& cells, bool upper) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i];
      std::size_t width = utf8_length(cell);
      if (width > kMaxCellWidth) {
        cell = std::string(utf8_first_chars(cell, kMaxCellWidth - 1)) + "~";
        width = kMaxCellWidth;
      }
      if (upper)
        std::transform(cell.begin(), cell.end(), cell.begin(), [](unsigned char c) { return std::toupper(c); });
      out += cell;
      if (i + 1 < cells.size()) out += std::string(widths_[i] > width ? widths_[i] - width + 2 : 2, ' ');
    }
    out += '\n';
  };
  if (!header_done_) {
    append_row(columns_, true);
    header_done_ = true;
  }
  for (const auto& row : buffered_)
    append_row(row, false);
  buffered_.clear();
  emit(out);
}

void RecordPrinter::finish() {
  finished_ = true;
  if (format_ == OutputFormat::tsv && !header_done_) {  // scripts expect the header even with no rows
    std::string header;
    for (std::size_t i = 0; i < columns_.size(); ++i)
      header += (i ? "\t" : "") + columns_[i];
    header += '\n';
    emit(header);
    header_done_ = true;
  }
  if (format_ == OutputFormat::table && !buffered_.empty()) print_table_rows();
  if (!sink_) flush_output();
}

}  // namespace sheratan
