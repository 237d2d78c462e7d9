// write_file: overwrite (atomic: temp file, fsync, rename) or append.
#include "worker/actions/action.hpp"
#include "worker/actions/file_io.hpp"

namespace sheratan {

Json run_write_file(const Json& params, const ActionContext& context) {
  known_params(params, {"path", "content", "mode"});
  std::string path = param_string(params, "path");
  std::string content = param_string(params, "content");
  std::string mode = param_string_or(params, "mode", "overwrite");
  if (mode == "overwrite")
    write_file_atomically(context.root, path, content);
  else if (mode == "append")
    append_to_file(context.root, path, content);
  else
    refuse("params.mode must be overwrite or append, not " + mode);
  return Json{{"path", path}, {"mode", mode}, {"bytes_written", content.size()}};
}

}  // namespace sheratan
