#pragma once
// JSON lines: one JSON value per line. The reader counts lines so that every error
// names the line it came from; the writer emits compact single-line JSON.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sheratan {

using Json = nlohmann::json;

/// What a read throws when the descriptor given to interrupt_on() stopped it.
struct ReadInterrupted {};

/// Reads JSON lines from a stream. Blank lines are skipped (and still counted).
class JsonLinesReader {
 public:
  /// Reads from a file descriptor it does not own (0 for stdin).
  explicit JsonLinesReader(int fd) : fd_(fd) {}

  /// The next non-blank line parsed as a JSON object, or nullopt at end of input.
  /// Throws Error(bad_input) "line N: ..." on malformed JSON or a non-object.
  std::optional<Json> next_object();

  /// The number of the line last returned (1-based).
  std::size_t line_number() const { return line_number_; }

  /// True when another line can be read without blocking (data buffered or the
  /// descriptor readable now). Lets a batcher commit what it has instead of waiting.
  bool has_buffered_input() const;

  /// Makes a read throw ReadInterrupted once `fd` is readable (-1: never), leaving what
  /// was read for later: another thread's way to stop a reader blocked on a pipe whose
  /// writer is still there.
  void interrupt_on(int fd) { interrupt_fd_ = fd; }

 private:
  bool read_line(std::string& line);
  bool fill();
  bool interrupt_requested() const;
  int fd_;
  std::string buffer_;
  std::size_t start_ = 0;
  bool eof_ = false;
  int interrupt_fd_ = -1;
  std::size_t line_number_ = 0;
};

inline constexpr int kMaxJsonDepth = 128;

/// Throws Error(bad_input) when text nests arrays and objects deeper than kMaxJsonDepth.
void require_shallow_json(std::string_view text);

/// Parses text as one JSON value. Throws Error(bad_input) for malformed JSON, nesting
/// past kMaxJsonDepth, or a number out of range.
Json parse_json_text(const std::string& text);

/// Parses text as one JSON object; errors name the line (0 = no line number).
Json parse_json_object(const std::string& text, std::size_t line, const char* what = "input");

/// "malformed JSON at column 7: syntax error while parsing ..." (no library prefix).
std::string describe_parse_error(const Json::parse_error& error);

/// Writes one value as a compact JSON line to stdout.
void write_json_line(const Json& value);
/// The line write_json_line() prints: compact, bad UTF-8 replaced, ending in '\n'.
std::string json_line(const Json& value);

/// Flushes stdout; a failed write (full disk, closed pipe) raises Error(failed).
void flush_output();

/// The type name users see in messages: "string", "object", ...
const char* json_type_name(const Json& value);

}  // namespace sheratan
