#pragma once
// Gate G3's path rules, on the text of a path alone (the worker's sandbox then resolves
// it beneath its root with openat2): relative, no "..", no control characters, not
// empty, and outside the forbidden paths. Compared after '\' becomes '/', "./" and
// repeated slashes go, and, on case-insensitive file systems, case is folded: the
// original compared raw string prefixes, which "./.git/config" or ".GIT/" slipped past.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sheratan {

struct PathProblem {
  std::string code;     // path_empty, path_control, path_absolute, path_parent, path_forbidden
  std::string message;  // names the path
};

/// The path's segments after normalising, as G3 compares them.
std::vector<std::string> path_segments(std::string_view path, bool fold_case);

/// The first rule the path breaks, or nullopt. Forbidden entries ending in '/' are
/// folders matching the leading segments; other entries match a first segment equal to
/// them or starting with them and a dot (".env" matches ".env.local").
std::optional<PathProblem> check_path(std::string_view path, const std::vector<std::string>& forbidden, bool fold_case);

}  // namespace sheratan
