#include "serve/query_params.hpp"

#include <charconv>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan::serve {

std::optional<std::string> query_text(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) return std::nullopt;
  return request.get_param_value(name);
}

std::vector<std::string> query_texts(const httplib::Request& request, const char* name) {
  std::vector<std::string> values;
  auto [begin, end] = request.params.equal_range(name);
  for (auto it = begin; it != end; ++it)
    values.push_back(it->second);
  return values;
}

std::optional<std::int64_t> query_integer(const httplib::Request& request, const char* name, std::int64_t low,
                                          std::int64_t high) {
  auto text = query_text(request, name);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || error != std::errc() || end != text->data() + text->size() || value < low || value > high)
    fail(ExitCode::bad_input, "parameter " + quote(name) + " must be an integer from " + std::to_string(low) + " to " +
                                  std::to_string(high) + ", not " + quote(*text));
  return value;
}

}  // namespace sheratan::serve
