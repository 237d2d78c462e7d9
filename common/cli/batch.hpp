#pragma once
// Reading JSON lines from stdin in batches: a batch ends at end of input, at max_lines,
// or when the writer pauses (nothing more is buffered), so that a slow pipe still sees
// its lines committed promptly and a fast one gets large transactions.

#include <cstddef>
#include <functional>
#include <vector>

#include "json/jsonl.hpp"

namespace sheratan {

struct InputLine {
  std::size_t line;
  Json value;
};

/// Calls handle() with each batch. With max_lines == 0 the whole input is one batch.
/// Returns the number of lines read.
std::size_t for_each_input_batch(JsonLinesReader& reader, std::size_t max_lines,
                                 const std::function<void(std::vector<InputLine>&)>& handle);

}  // namespace sheratan
