#include "gates/path_check.hpp"

#include "cli/message.hpp"

namespace sheratan {
namespace {

bool is_drive_letter(std::string_view path) {
  return path.size() >= 2 && path[1] == ':' &&
         ((path[0] >= 'a' && path[0] <= 'z') || (path[0] >= 'A' && path[0] <= 'Z'));
}

bool forbidden_by(const std::vector<std::string>& segments, std::string_view entry, bool fold_case) {
  const bool folder = !entry.empty() && entry.back() == '/';
  const auto wanted = path_segments(entry, fold_case);
  if (wanted.empty() || segments.size() < wanted.size()) return false;
  if (folder || wanted.size() > 1) {
    for (std::size_t i = 0; i < wanted.size(); ++i)
      if (segments[i] != wanted[i]) return false;
    return true;
  }
  const std::string& first = segments.front();
  const std::string& name = wanted.front();
  return first == name ||
         (first.size() > name.size() && first.compare(0, name.size(), name) == 0 && first[name.size()] == '.');
}

}  // namespace

std::vector<std::string> path_segments(std::string_view path, bool fold_case) {
  std::vector<std::string> segments;
  std::string segment;
  auto finish = [&] {
    if (!segment.empty() && segment != ".") segments.push_back(segment);
    segment.clear();
  };
  for (char c : path) {
    if (c == '/' || c == '\\') {
      finish();
    } else {
      segment += (fold_case && c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  finish();
  return segments;
}

std::optional<PathProblem> check_path(std::string_view path, const std::vector<std::string>& forbidden,
                                      bool fold_case) {
  const std::string shown = quote(path);
  if (path.empty()) return PathProblem{"path_empty", "the path is empty"};
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return PathProblem{"path_control", "path " + shown + " holds a control character"};
  if (path.front() == '/' || path.front() == '\\' || is_drive_letter(path) || path.front() == '~')
    return PathProblem{"path_absolute", "path " + shown + " is not relative"};
  const auto segments = path_segments(path, fold_case);
  for (const auto& segment : segments)
    if (segment == "..") return PathProblem{"path_parent", "path " + shown + " climbs out with '..'"};
  if (segments.empty()) return std::nullopt;  // "." or "./": the root itself
  for (const auto& entry : forbidden)
    if (forbidden_by(segments, entry, fold_case))
      return PathProblem{"path_forbidden", "path " + shown + " is under " + quote(entry) + " (gates.forbidden_paths)"};
  return std::nullopt;
}

}  // namespace sheratan
