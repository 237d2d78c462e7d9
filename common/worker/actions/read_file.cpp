// read_file and read_file_batch: a file's text with its size, character and line
// counts, capped (a truncated flag says so).
#include <fcntl.h>

#include "worker/actions/action.hpp"
#include "worker/actions/file_io.hpp"

namespace sheratan {

namespace {
constexpr std::int64_t kDefaultMaxBytes = 200'000;  // the original's per-chain artifact cap
constexpr std::size_t kBatchLimit = 10;

Json read_one(const ActionContext& context, const std::string& path, std::int64_t max_bytes) {
  FileText text = read_text_file(context.root, path, static_cast<std::size_t>(max_bytes));
  return Json{{"path", path},
              {"bytes", text.bytes},
              {"chars", count_chars(text.content)},
              {"lines", count_lines(text.content)},
              {"truncated", text.truncated},
              {"content", text.content}};
}
}  // namespace

Json run_read_file(const Json& params, const ActionContext& context) {
  known_params(params, {"path", "max_bytes"});
  std::string path = param_string(params, "path");
  return read_one(context, path, param_integer_or(params, "max_bytes", kDefaultMaxBytes, 0, 100'000'000));
}

Json run_read_file_batch(const Json& params, const ActionContext& context) {
  known_params(params, {"paths", "max_bytes"});
  auto paths = params.find("paths");
  if (paths == params.end() || !paths->is_array() || paths->empty())
    refuse("params.paths must be a non-empty array of paths");
  if (paths->size() > kBatchLimit)
    refuse("params.paths lists " + std::to_string(paths->size()) + " files, more than the limit of 10");
  std::int64_t max_bytes = param_integer_or(params, "max_bytes", kDefaultMaxBytes, 0, 100'000'000);
  // Every path is checked before any file is read: one bad path refuses the batch.
  for (const auto& path : *paths) {
    if (!path.is_string()) refuse("params.paths must hold strings only");
    Sandbox::check_relative(path.get<std::string>());
  }
  Json files = Json::array();
  for (const auto& path : *paths)
    files.push_back(read_one(context, path.get<std::string>(), max_bytes));
  return Json{{"files", std::move(files)}, {"count", paths->size()}};
}

}  // namespace sheratan
