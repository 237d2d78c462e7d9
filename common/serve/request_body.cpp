#include "serve/request_body.hpp"

#include "cli/error.hpp"
#include "json/jsonl.hpp"

namespace sheratan::serve {

namespace {

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::vector<InputLine> parse_lines(std::string_view body) {
  std::vector<InputLine> items;
  std::size_t number = 0;
  while (!body.empty()) {
    std::size_t newline = body.find('\n');
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
    ++number;
    if (is_blank(line)) continue;
    items.push_back({number, parse_json_object(std::string(line), number, "line")});
  }
  return items;
}

Json parse_whole(std::string_view body) {
  require_shallow_json(body);
  try {
    return Json::parse(body);
  } catch (const Json::parse_error& error) {
    fail(ExitCode::bad_input, describe_parse_error(error));
  }
}

std::vector<InputLine> items_of_array(const Json& array) {
  std::vector<InputLine> items;
  items.reserve(array.size());
  std::size_t place = 0;
  for (const auto& item : array) {
    ++place;
    if (!item.is_object())
      fail(ExitCode::bad_input, at_line(place, std::string("expected a JSON object, found ") + json_type_name(item)));
    items.push_back({place, item});
  }
  return items;
}

}  // namespace

JsonBody parse_json_body(std::string_view body, std::string_view content_type) {
  if (is_blank(body)) fail(ExitCode::bad_input, "empty body: expected a JSON object, an array of them or JSON lines");
  JsonBody parsed;
  if (content_type.find("ndjson") != std::string_view::npos || content_type.find("jsonl") != std::string_view::npos) {
    parsed.shape = BodyShape::lines;
    parsed.items = parse_lines(body);
    return parsed;
  }
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (body[first] == '[') {
    parsed.shape = BodyShape::array;
    parsed.items = items_of_array(parse_whole(body));
    if (parsed.items.empty()) fail(ExitCode::bad_input, "empty array: no item to apply");
    return parsed;
  }
  // One object, possibly spread over lines; else several lines of JSON.
  const std::size_t last = body.find_last_not_of(" \t\r\n");
  if (body.substr(first, last - first + 1).find('\n') != std::string_view::npos) {
    require_shallow_json(body);
    Json whole = Json::parse(body, nullptr, false);
    if (whole.is_discarded()) {
      parsed.shape = BodyShape::lines;
      parsed.items = parse_lines(body);
      return parsed;
    }
  }
  parsed.items.push_back({0, parse_json_object(std::string(body), 0, "body")});
  return parsed;
}

Json parse_json_object_body(std::string_view body) {
  if (is_blank(body)) return Json::object();
  return parse_json_object(std::string(body), 0, "body");
}

std::string render_records(BodyShape shape, const std::vector<std::string>& records) {
  std::string out;
  switch (shape) {
    case BodyShape::object:
      return records.empty() ? "{}" : records.front();
    case BodyShape::array:
      out = "[";
      for (std::size_t i = 0; i < records.size(); ++i) {
        if (i) out += ',';
        out += records[i];
      }
      out += ']';
      return out;
    case BodyShape::lines:
      for (const auto& record : records) {
        out += record;
        out += '\n';
      }
      return out;
  }
  return out;
}

const char* content_type_of(BodyShape shape) {
  return shape == BodyShape::lines ? "application/x-ndjson" : "application/json";
}

}  // namespace sheratan::serve
