// patch_file: a list of edits applied in order to a file's text, all or nothing.
// Format (sheratan-worker(1)): params {"path", "ops": [...]} with each op one of
//   {"op":"replace","old":S,"new":T}  S must occur exactly once; it becomes T
//   {"op":"delete","old":S}           S must occur exactly once; it is removed
//   {"op":"insert","line":N,"text":T} T goes before line N (1-based; lines+1 = at the end)
// Each op sees the text as the ops before it left it. Any op that does not apply
// refuses the whole patch and the file is not touched; else it is replaced atomically.
#include "cli/message.hpp"
#include "worker/actions/action.hpp"
#include "worker/actions/file_io.hpp"

namespace sheratan {

namespace {
constexpr std::size_t kMaxOps = 50;  // the original's gate paused larger patches
constexpr std::size_t kMaxFile = 10'000'000;

std::string op_field(const Json& op, const char* field, std::size_t index) {
  auto found = op.find(field);
  if (found == op.end() || !found->is_string())
    refuse("op " + std::to_string(index) + ": field " + quote(field) + " must be a string");
  return found->get<std::string>();
}

std::size_t unique_position(const std::string& text, const std::string& old, std::size_t index) {
  if (old.empty()) refuse("op " + std::to_string(index) + ": field 'old' must not be empty");
  std::size_t at = text.find(old);
  if (at == std::string::npos) refuse("op " + std::to_string(index) + ": text of 'old' not found");
  if (text.find(old, at + 1) != std::string::npos)
    refuse("op " + std::to_string(index) + ": text of 'old' occurs more than once");
  return at;
}

void insert_at_line(std::string& text, const Json& op, std::size_t index) {
  auto line = op.find("line");
  if (line == op.end() || !line->is_number_integer() || line->get<std::int64_t>() < 1)
    refuse("op " + std::to_string(index) + ": field 'line' must be a line number from 1");
  const auto wanted = line->get<std::int64_t>();
  const std::int64_t lines = count_lines(text);
  if (wanted > lines + 1)
    refuse("op " + std::to_string(index) + ": line " + std::to_string(wanted) + " is past the end (" +
           std::to_string(lines) + " lines)");
  std::string insert = op_field(op, "text", index);
  std::size_t at = 0;
  for (std::int64_t current = 1; current < wanted; ++current) {
    std::size_t newline = text.find('\n', at);
    at = newline == std::string::npos ? text.size() : newline + 1;
  }
  text.insert(at, insert);
}

void apply(std::string& text, const Json& op, std::size_t index) {
  if (!op.is_object()) refuse("op " + std::to_string(index) + " must be an object");
  std::string kind = op_field(op, "op", index);
  if (kind == "replace") {
    std::string old = op_field(op, "old", index);
    text.replace(unique_position(text, old, index), old.size(), op_field(op, "new", index));
  } else if (kind == "delete") {
    std::string old = op_field(op, "old", index);
    text.erase(unique_position(text, old, index), old.size());
  } else if (kind == "insert") {
    insert_at_line(text, op, index);
  } else {
    refuse("op " + std::to_string(index) + ": unknown op " + quote(kind) + " (replace, delete, insert)");
  }
}
}  // namespace

Json run_patch_file(const Json& params, const ActionContext& context) {
  known_params(params, {"path", "ops"});
  std::string path = param_string(params, "path");
  auto ops = params.find("ops");
  if (ops == params.end() || !ops->is_array() || ops->empty()) refuse("params.ops must be a non-empty array of ops");
  if (ops->size() > kMaxOps)
    refuse("params.ops holds " + std::to_string(ops->size()) + " ops, more than the limit of 50");
  FileText file = read_text_file(context.root, path, kMaxFile);
  if (file.truncated) refuse("file " + quote(path) + " is larger than 10 MB");
  std::string text = file.content;
  for (std::size_t i = 0; i < ops->size(); ++i)
    apply(text, (*ops)[i], i + 1);
  write_file_atomically(context.root, path, text);
  return Json{{"path", path}, {"ops_applied", ops->size()}, {"bytes", text.size()}};
}

}  // namespace sheratan
