#include "json/jsonl.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "cli/text.hpp"

namespace sheratan {

bool JsonLinesReader::interrupt_requested() const {
  // Waits for input or the interrupt, whichever comes first; then read() cannot block.
  pollfd descriptors[2] = {{fd_, POLLIN, 0}, {interrupt_fd_, POLLIN, 0}};
  while (::poll(descriptors, 2, -1) < 0)
    if (errno != EINTR) fail(ExitCode::failed, std::string("cannot wait for input: ") + system_error_text(errno));
  return (descriptors[1].revents & POLLIN) != 0;
}

bool JsonLinesReader::fill() {
  if (eof_) return false;
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  char chunk[65536];
  for (;;) {
    if (interrupt_fd_ >= 0 && interrupt_requested()) throw ReadInterrupted{};
    ssize_t got = ::read(fd_, chunk, sizeof chunk);
    if (got > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(got));
      return true;
    }
    if (got == 0) {
      eof_ = true;
      return false;
    }
    if (errno != EINTR) fail(ExitCode::failed, std::string("cannot read input: ") + system_error_text(errno));
  }
}

bool JsonLinesReader::read_line(std::string& line) {
  std::size_t newline;
  while ((newline = buffer_.find('\n', start_)) == std::string::npos) {
    if (!fill()) {
      if (start_ >= buffer_.size()) return false;
      newline = buffer_.size();  // a last line without its newline
      break;
    }
  }
  ++line_number_;
  line.assign(buffer_, start_, newline - start_);
  start_ = std::min(newline + 1, buffer_.size());
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

std::optional<Json> JsonLinesReader::next_object() {
  std::string line;
  while (read_line(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    return parse_json_object(line, line_number_);
  }
  return std::nullopt;
}

bool JsonLinesReader::has_buffered_input() const {
  if (buffer_.find('\n', start_) != std::string::npos || eof_) return true;
  pollfd descriptor{fd_, POLLIN, 0};
  return poll(&descriptor, 1, 0) > 0;
}

void require_shallow_json(std::string_view text) {
  // Copying and destroying a parsed value recurse once per level; refuse absurd
  // nesting before parsing rather than overflow the stack afterwards.
  int depth = 0;
  bool in_string = false;
  std::size_t string_start = 0;
  std::string_view top_key;  // the top-level field being read, for the message
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 1) {
          std::size_t next = text.find_first_not_of(" \t\r\n", i + 1);
          if (next != std::string_view::npos && text[next] == ':')
            top_key = text.substr(string_start + 1, i - string_start - 1);
        }
      }
    } else if (c == '"') {
      in_string = true;
      string_start = i;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        std::string subject = top_key.empty() ? "JSON" : "field " + quote(top_key);
        fail(ExitCode::bad_input, subject + " is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

Json parse_json_text(const std::string& text) {
  require_shallow_json(text);
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& error) {
    fail(ExitCode::bad_input, describe_parse_error(error));
  } catch (const Json::out_of_range& error) {
    // A number too large for a double ("1e400") is bad input like any malformed text,
    // not an internal failure. (Found by the fuzz target for this reader.)
    std::string detail = error.what();
    auto reason = detail.find("] ");
    fail(ExitCode::bad_input, reason == std::string::npos ? detail : detail.substr(reason + 2));
  }
}

Json parse_json_object(const std::string& text, std::size_t line, const char* what) {
  auto prefix = [&](const std::string& message) { return line > 0 ? at_line(line, message) : message; };
  Json value;
  try {
    value = parse_json_text(text);
  } catch (const Error& error) {
    fail(error.code(), prefix(error.what()));
  }
  if (!value.is_object())
    fail(ExitCode::bad_input, prefix(std::string(what) + " must be a JSON object, not " + json_type_name(value)));
  return value;
}

std::string describe_parse_error(const Json::parse_error& error) {
  // nlohmann says "[json.exception.parse_error.101] parse error at line 1, column 2:
  // syntax error while parsing value - ..."; keep the reason, give the column only.
  std::string detail = error.what();
  auto reason = detail.find(": ", detail.find("column"));
  std::string why = reason == std::string::npos ? detail : detail.substr(reason + 2);
  // The reason quotes what was last read, which may be any bytes and any length.
  return "malformed JSON at column " + std::to_string(error.byte) + ": " + printable(why);
}

std::string json_line(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  text += '\n';
  return text;
}

void write_json_line(const Json& value) {
  const std::string text = json_line(value);
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void flush_output() {
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    fail(ExitCode::failed, std::string("cannot write to standard output: ") + system_error_text(errno));
}

const char* json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    default:
      return "value";
  }
}

}  // namespace sheratan
