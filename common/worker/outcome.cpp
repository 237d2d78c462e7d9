#include "worker/outcome.hpp"

#include <cctype>

namespace sheratan {

Json valid_utf8(const Json& value) {
  return Json::parse(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string text_tail(const std::string& text, std::size_t max_bytes) {
  std::size_t start = text.size() > max_bytes ? text.size() - max_bytes : 0;
  // Skip UTF-8 continuation bytes so that the tail starts on a whole character.
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
    ++start;
  std::size_t end = text.size();
  while (end > start && std::isspace(static_cast<unsigned char>(text[end - 1])))
    --end;
  while (start < end && std::isspace(static_cast<unsigned char>(text[start])))
    ++start;
  return text.substr(start, end - start);
}

}  // namespace sheratan
