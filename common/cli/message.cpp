#include "cli/message.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>

#include "cli/text.hpp"

namespace sheratan {
namespace {
// The program name and verbosity are set once at start-up, before any thread runs;
// they are the only process-wide settings and never change after that.
std::string g_program = "sheratan";
int g_verbosity = 0;

void emit(std::string_view level, std::string_view message) {
  std::string line = g_program;
  line += ": ";
  if (!level.empty()) {
    line += level;
    line += ": ";
  }
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}
}  // namespace

void set_program_name(std::string_view name) {
  g_program = std::string(name);
}
const std::string& program_name() {
  return g_program;
}
bool quiet() {
  return g_verbosity < 0;
}

void set_verbosity(int level) {
  g_verbosity = level;
}

void print_error(std::string_view message) {
  emit("error", message);
}
void print_warning(std::string_view message) {
  emit("warning", message);
}
void print_info(std::string_view message) {
  if (g_verbosity >= 0) emit("", message);
}
void print_debug(std::string_view message) {
  if (g_verbosity > 0) emit("debug", message);
}

std::string system_error_text(int code) {
  return message_fragment(std::strerror(code));
}

std::string message_fragment(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string quote(std::string_view subject) {
  // The subject is often the input itself: a huge or binary one must not flood the
  // terminal or make the message invalid UTF-8 (which JSON reports cannot carry).
  return "'" + printable(subject) + "'";
}

}  // namespace sheratan
