#pragma once
// The folder file actions may touch (--root). Paths are relative to it: an absolute
// path, a `..` component or an empty path is refused before anything is opened, and
// every open goes through openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so
// that no symlink (and no /proc magic link) leads out of the root either. A refused
// path throws ActionFailure (permanent) naming the path and touches nothing.

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "worker/unique_fd.hpp"

namespace sheratan {

class Sandbox {
 public:
  /// Opens the root folder. Throws Error(usage) when it is not a folder.
  explicit Sandbox(const std::string& root);

  /// Opens path beneath the root (open(2) flags and mode).
  UniqueFd open(std::string_view path, int flags, mode_t mode = 0) const;
  /// Opens beneath an already opened folder of the root.
  UniqueFd open_at(int folder, std::string_view name, std::string_view shown_path, int flags, mode_t mode = 0) const;
  /// The folder that holds path, opened, and the last name in path.
  std::pair<UniqueFd, std::string> open_parent(std::string_view path) const;

  /// Refuses (ActionFailure) an absolute path, a `..` component or an empty path.
  static void check_relative(std::string_view path);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd root_;
};

}  // namespace sheratan
