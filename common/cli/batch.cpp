#include "cli/batch.hpp"

namespace sheratan {

std::size_t for_each_input_batch(JsonLinesReader& reader, std::size_t max_lines,
                                 const std::function<void(std::vector<InputLine>&)>& handle) {
  std::vector<InputLine> batch;
  std::size_t total = 0;
  while (auto value = reader.next_object()) {
    batch.push_back({reader.line_number(), std::move(*value)});
    ++total;
    bool full = max_lines != 0 && batch.size() >= max_lines;
    if (full || (max_lines != 0 && !reader.has_buffered_input())) {
      handle(batch);
      batch.clear();
    }
  }
  if (!batch.empty()) handle(batch);
  return total;
}

}  // namespace sheratan
