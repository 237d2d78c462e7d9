#pragma once
// Output formats: JSON lines (the default when stdout is not a terminal), an aligned
// table for people (the default on a terminal), or TSV with a header line for
// cut/awk. stdout carries data only.

#include <optional>
#include <string>
#include <vector>

#include "json/jsonl.hpp"

namespace sheratan {

enum class OutputFormat { table, json, tsv };

/// --json wins, then --format, then table on a terminal and JSON lines elsewhere.
OutputFormat choose_output_format(bool json_flag, const std::optional<std::string>& format);

/// Prints records (JSON objects) in the chosen format. Table and TSV show the given
/// columns; nested values print as compact JSON. A table computes its widths from the
/// first rows and streams the rest, so that memory stays bounded.
class RecordPrinter {
 public:
  /// With a sink, renders into *sink, appending whole lines, instead of printing: for a
  /// caller that writes the lines itself and must know which of them went out.
  RecordPrinter(OutputFormat format, std::vector<std::string> columns, std::string* sink = nullptr);
  ~RecordPrinter();
  RecordPrinter(const RecordPrinter&) = delete;
  RecordPrinter& operator=(const RecordPrinter&) = delete;

  void print(const Json& record);
  /// Prints buffered table rows and flushes; raises Error when stdout fails.
  void finish();
  /// Ends without printing what is buffered (table rows, a TSV header): the output
  /// was cut short and what is left must not appear.
  void abandon() { finished_ = true; }

 private:
  std::vector<std::string> cells_of(const Json& record) const;
  void print_table_rows();
  void emit(std::string_view text);
  OutputFormat format_;
  std::string* sink_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> buffered_;
  std::vector<std::size_t> widths_;
  bool header_done_ = false;
  bool finished_ = false;
};

/// A cell's text: strings as they are, null as "-", other values as compact JSON.
std::string cell_text(const Json& value);

}  // namespace sheratan
