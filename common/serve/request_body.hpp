#pragma once
// Request bodies of the batch routes (jobs, transfers, settle): one JSON object, an
// array of objects, or JSON lines. Each item keeps its line (for an array, its place
// from 1) so that errors name it as the tools do: "line 3: field 'kind' ...".
// The answer is written in the shape of the question.

#include <string>
#include <string_view>
#include <vector>

#include "cli/batch.hpp"

namespace sheratan::serve {

enum class BodyShape { object, array, lines };

struct JsonBody {
  BodyShape shape = BodyShape::object;
  std::vector<InputLine> items;
};

/// Parses the body; content_type "application/x-ndjson" (or jsonl) forces JSON lines.
/// Throws Error(bad_input) for an empty body, malformed JSON (naming line and column)
/// or an item that is not an object.
JsonBody parse_json_body(std::string_view body, std::string_view content_type);

/// Parses a body that must be one JSON object (an empty body is {}).
Json parse_json_object_body(std::string_view body);

/// The records (each a compact JSON text) in the given shape: the one object, a JSON
/// array, or JSON lines ending in a newline.
std::string render_records(BodyShape shape, const std::vector<std::string>& records);

/// The content type of render_records' output.
const char* content_type_of(BodyShape shape);

}  // namespace sheratan::serve
