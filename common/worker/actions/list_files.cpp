// list_files and walk_tree: the files under a folder of the root, matching glob
// patterns, with caps on how many files and how many bytes (of listed file sizes) a
// listing may hold. Symlinks are listed as such and never followed.
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "cli/message.hpp"
#include "worker/actions/action.hpp"

namespace sheratan {

namespace {

struct Listing {
  std::vector<std::string> patterns;
  bool recursive = false;
  std::int64_t max_files = 1000;
  std::int64_t max_bytes = 10'000'000;
  std::int64_t bytes = 0;
  bool truncated = false;
  Json files = Json::array();
};

/// A pattern with a '/' matches the whole relative path; one without, the name alone.
bool matches(const Listing& listing, const std::string& relative, const char* name) {
  if (listing.patterns.empty()) return true;
  return std::any_of(listing.patterns.begin(), listing.patterns.end(), [&](const std::string& pattern) {
    bool whole = pattern.find('/') != std::string::npos;
    return fnmatch(pattern.c_str(), whole ? relative.c_str() : name, 0) == 0;
  });
}

const char* type_name(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "folder";
  if (S_ISLNK(mode)) return "symlink";
  return "other";
}

void list_folder(const Sandbox& root, UniqueFd folder, const std::string& prefix, Listing& listing,
                 const ActionContext& context) {
  // The stream takes a descriptor of its own (closedir closes it); folder stays for openat2.
  DIR* stream = ::fdopendir(::dup(folder.get()));
  if (!stream) refuse("cannot list " + quote(prefix.empty() ? "." : prefix));
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(stream)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(stream);
  std::sort(names.begin(), names.end());  // a listing that does not depend on the disk's order
  for (const auto& name : names) {
    if (listing.truncated || context.stop_requested) return;
    std::string relative = prefix.empty() ? name : prefix + "/" + name;
    struct stat info {};
    if (::fstatat(folder.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (matches(listing, relative, name.c_str())) {
      if (static_cast<std::int64_t>(listing.files.size()) >= listing.max_files ||
          listing.bytes + info.st_size > listing.max_bytes) {
        listing.truncated = true;
        return;
      }
      listing.bytes += S_ISREG(info.st_mode) ? info.st_size : 0;
      listing.files.push_back(Json{{"path", relative}, {"type", type_name(info.st_mode)}, {"size", info.st_size}});
    }
    if (listing.recursive && S_ISDIR(info.st_mode))
      list_folder(root, root.open_at(folder.get(), name, relative, O_RDONLY | O_DIRECTORY | O_NOFOLLOW), relative,
                  listing, context);
  }
}

Json list(const Json& params, const ActionContext& context, bool recursive_default) {
  known_params(params, {"path", "root", "patterns", "recursive", "max_files", "max_bytes"});
  Listing listing;
  // "root" is the original's name for the folder to list; "path" is this toolkit's.
  std::string folder = param_string_or(params, "path", param_string_or(params, "root", "."));
  listing.recursive = param_bool_or(params, "recursive", recursive_default);
  listing.max_files = param_integer_or(params, "max_files", 1000, 1, 100'000);
  listing.max_bytes = param_integer_or(params, "max_bytes", 10'000'000, 0, std::int64_t{1} << 40);
  if (auto patterns = params.find("patterns"); patterns != params.end() && !patterns->is_null()) {
    Json list_of = patterns->is_string() ? Json::array({*patterns}) : *patterns;
    if (!list_of.is_array()) refuse("params.patterns must be an array of glob patterns");
    for (const auto& pattern : list_of) {
      if (!pattern.is_string()) refuse("params.patterns must be an array of glob patterns");
      listing.patterns.push_back(pattern.get<std::string>());
    }
  }
  std::string prefix = folder == "." ? "" : folder;
  while (!prefix.empty() && prefix.back() == '/')
    prefix.pop_back();
  list_folder(context.root, context.root.open(folder, O_RDONLY | O_DIRECTORY), prefix, listing, context);
  const std::size_t count = listing.files.size();
  return Json{{"path", folder},
              {"files", std::move(listing.files)},
              {"count", count},
              {"bytes", listing.bytes},
              {"truncated", listing.truncated}};
}

}  // namespace

Json run_list_files(const Json& params, const ActionContext& context) {
  return list(params, context, false);
}

Json run_walk_tree(const Json& params, const ActionContext& context) {
  return list(params, context, true);
}

}  // namespace sheratan
