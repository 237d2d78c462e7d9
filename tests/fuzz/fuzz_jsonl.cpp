// libFuzzer target: the JSON lines reader, as every tool reads standard input. Any
// input must end in objects, end of input, or Error(bad_input) naming a line; nothing
// else may escape, and no line number may run backwards.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli/error.hpp"
#include "json/jsonl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int fd = memfd_create("fuzz-jsonl", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (size > 0 && ::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  ::lseek(fd, 0, SEEK_SET);
  sheratan::JsonLinesReader reader(fd);
  std::size_t last_line = 0;
  try {
    while (auto object = reader.next_object()) {
      if (!object->is_object() || reader.line_number() <= last_line) std::abort();
      last_line = reader.line_number();
      (void)object->dump();
    }
  } catch (const sheratan::Error& error) {
    if (error.code() != sheratan::ExitCode::bad_input) std::abort();
    if (std::string(error.what()).rfind("line ", 0) != 0) std::abort();
  }
  ::close(fd);
  // The whole input as one document, as drop files and flags are read.
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)sheratan::parse_json_object(text, 1, "fuzz input").dump();
  } catch (const sheratan::Error& error) {
    if (error.code() != sheratan::ExitCode::bad_input) std::abort();
  }
  return 0;
}
