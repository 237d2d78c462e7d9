#pragma once
// File reading and writing for the file actions, always through the Sandbox.

#include <cstdint>
#include <string>
#include <string_view>

#include "worker/actions/sandbox.hpp"

namespace sheratan {

struct FileText {
  std::string content;     // valid UTF-8 (invalid bytes become U+FFFD), cut at max_bytes
  std::int64_t bytes = 0;  // the file's size
  bool truncated = false;
};

/// Reads a regular file beneath the root, at most max_bytes of it.
FileText read_text_file(const Sandbox& root, std::string_view path, std::size_t max_bytes);

/// Replaces the file atomically: a temporary file beside it, fsync, rename over it,
/// fsync of the folder. A reader sees the old content or the new, never a mix. An
/// existing file keeps its permission bits.
void write_file_atomically(const Sandbox& root, std::string_view path, std::string_view content);

/// Appends to the file (created when missing) and fsyncs it.
void append_to_file(const Sandbox& root, std::string_view path, std::string_view content);

/// Code points in UTF-8 text.
std::int64_t count_chars(std::string_view text);
/// Lines: newlines, plus one when the text does not end with a newline.
std::int64_t count_lines(std::string_view text);

}  // namespace sheratan
