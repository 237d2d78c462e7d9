#include "worker/actions/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/message.hpp"
#include "store/ids.hpp"
#include "worker/actions/action.hpp"
#include "worker/outcome.hpp"

namespace sheratan {

namespace {

void write_all(int fd, std::string_view data, std::string_view path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ActionFailure("cannot write " + quote(path) + ": " + std::strerror(errno), true);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void sync(int fd, std::string_view path) {
  if (::fsync(fd) != 0) throw ActionFailure("cannot fsync " + quote(path) + ": " + std::strerror(errno), true);
}

}  // namespace

FileText read_text_file(const Sandbox& root, std::string_view path, std::size_t max_bytes) {
  UniqueFd fd = root.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) refuse("path " + quote(path) + " is not a regular file");
  FileText text;
  text.bytes = info.st_size;
  std::string raw;
  raw.resize(max_bytes + 1);
  std::size_t filled = 0;
  while (filled < raw.size()) {
    ssize_t n = ::read(fd.get(), raw.data() + filled, raw.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ActionFailure("cannot read " + quote(path) + ": " + std::strerror(errno), true);
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  text.truncated = filled > max_bytes;
  raw.resize(std::min(filled, max_bytes));
  // A cut in the middle of a character would leave half of it: drop the half.
  if (text.truncated) {
    std::size_t end = raw.size();
    while (end > 0 && (static_cast<unsigned char>(raw[end - 1]) & 0xC0) == 0x80)
      --end;
    if (end > 0 && (static_cast<unsigned char>(raw[end - 1]) & 0x80)) raw.resize(end - 1);
  }
  text.content = valid_utf8(Json(raw)).get<std::string>();
  return text;
}

void write_file_atomically(const Sandbox& root, std::string_view path, std::string_view content) {
  auto [folder, name] = root.open_parent(path);
  mode_t mode = 0644;
  struct stat existing {};
  if (::fstatat(folder.get(), name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(existing.st_mode)) refuse("path " + quote(path) + " is a folder");
    if (S_ISREG(existing.st_mode)) mode = existing.st_mode & 07777;
    // The rename would replace a symlink, not follow it; one that leads out of the
    // root is refused all the same, so that a refused path is never touched.
    if (S_ISLNK(existing.st_mode)) root.open(path, O_PATH);
  }
  std::string temporary = "." + name + "." + new_random_token().substr(0, 12) + ".tmp";
  UniqueFd file = root.open_at(folder.get(), temporary, path, O_WRONLY | O_CREAT | O_EXCL, mode);
  try {
    write_all(file.get(), content, path);
    ::fchmod(file.get(), mode);  // umask must not narrow an existing file's bits
    sync(file.get(), path);
    // renameat replaces the name itself: a symlink at path is replaced, never followed.
    if (::renameat(folder.get(), temporary.c_str(), folder.get(), name.c_str()) != 0)
      throw ActionFailure("cannot rename over " + quote(path) + ": " + std::strerror(errno), false);
  } catch (...) {
    ::unlinkat(folder.get(), temporary.c_str(), 0);
    throw;
  }
  sync(folder.get(), path);
}

void append_to_file(const Sandbox& root, std::string_view path, std::string_view content) {
  UniqueFd file = root.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_NONBLOCK, 0644);
  struct stat info {};
  if (::fstat(file.get(), &info) != 0 || !S_ISREG(info.st_mode))
    refuse("path " + quote(path) + " is not a regular file");
  write_all(file.get(), content, path);
  sync(file.get(), path);
}

std::int64_t count_chars(std::string_view text) {
  std::int64_t count = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  return count;
}

std::int64_t count_lines(std::string_view text) {
  if (text.empty()) return 0;
  auto newlines = static_cast<std::int64_t>(std::count(text.begin(), text.end(), '\n'));
  return newlines + (text.back() == '\n' ? 0 : 1);
}

}  // namespace sheratan
