#include "worker/actions/sandbox.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstring>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "worker/actions/action.hpp"

namespace sheratan {

namespace {

std::string describe_open_error(std::string_view path, int error) {
  switch (error) {
    case EXDEV:
    case ELOOP:
      return "path " + quote(path) + " leads out of the root (through a symlink)";
    case ENOENT:
      return "path " + quote(path) + " does not exist";
    case EACCES:
    case EPERM:
      return "path " + quote(path) + ": permission denied";
    case ENOTDIR:
      return "path " + quote(path) + ": a component is not a folder";
    case EISDIR:
      return "path " + quote(path) + " is a folder";
    default:
      return "cannot open " + quote(path) + ": " + std::strerror(error);
  }
}

}  // namespace

Sandbox::Sandbox(const std::string& root) : path_(root) {
  root_ = UniqueFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_.valid()) fail(ExitCode::usage, "root " + quote(root) + " is not a folder: " + std::strerror(errno));
}

void Sandbox::check_relative(std::string_view path) {
  if (path.empty()) refuse("path must not be empty");
  if (path.front() == '/') refuse("path " + quote(path) + " is absolute: paths are relative to the root");
  if (path.find('\0') != std::string_view::npos) refuse("path " + quote(path) + " holds a NUL byte");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") refuse("path " + quote(path) + " contains '..': paths must stay inside the root");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

UniqueFd Sandbox::open_at(int folder, std::string_view name, std::string_view shown_path, int flags,
                          mode_t mode) const {
  check_relative(name);
  open_how how{};
  how.flags = static_cast<__u64>(static_cast<unsigned int>(flags | O_CLOEXEC));
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? static_cast<__u64>(mode) : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  std::string name_text(name);
  long fd;
  do {
    fd = ::syscall(SYS_openat2, folder, name_text.c_str(), &how, sizeof how);
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0) {
    int error = errno;
    if (error == ENOSYS) refuse("this kernel lacks openat2(2): file actions are disabled");
    refuse(describe_open_error(shown_path, error));
  }
  return UniqueFd(static_cast<int>(fd));
}

UniqueFd Sandbox::open(std::string_view path, int flags, mode_t mode) const {
  return open_at(root_.get(), path, path, flags, mode);
}

std::pair<UniqueFd, std::string> Sandbox::open_parent(std::string_view path) const {
  check_relative(path);
  std::string_view trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/')
    trimmed.remove_suffix(1);
  std::size_t slash = trimmed.rfind('/');
  std::string folder = slash == std::string_view::npos ? "." : std::string(trimmed.substr(0, slash));
  std::string name(slash == std::string_view::npos ? trimmed : trimmed.substr(slash + 1));
  if (name.empty() || name == ".") refuse("path " + quote(path) + " names no file");
  return {open_at(root_.get(), folder, folder, O_RDONLY | O_DIRECTORY), name};
}

}  // namespace sheratan
