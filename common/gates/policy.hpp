#pragma once
// The admission policy: the config file's "gates" object over built-in defaults, each
// key on its own (a key left out keeps its default). sheratan-queue(1), "Admission
// gates", documents every key; the defaults are written down once, in policy.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cli/config.hpp"
#include "queue/job.hpp"

namespace sheratan {

struct GatePolicy {
  std::vector<JobSource> sources;            // G0: entry points admitted at all
  std::vector<std::string> followup_kinds;   // G0: kinds a follow-up may have unreviewed
  std::vector<std::string> kinds;            // G2: kinds besides the built-in actions (patterns)
  std::vector<std::string> forbidden_kinds;  // G2: quarantined whatever else (patterns)
  std::vector<std::string> path_params;      // G3: params holding paths
  std::vector<std::string> forbidden_paths;  // G3: "dir/" or a first segment
  bool case_insensitive_paths = false;       // G3
  std::vector<std::string> hard_phrases;     // G4: PAUSE
  std::vector<std::string> soft_phrases;     // G4: WARN
  std::int64_t max_patch_ops = 50;           // G4: never above 50
  std::optional<std::string> reviewer;       // the automatic reviewer's command

  /// The built-in defaults.
  static GatePolicy defaults();
  /// The defaults, overridden by config "gates" and $SHERATAN_GATES_KINDS (a comma-
  /// separated list over gates.kinds). Throws Error(bad_input) naming the key for an
  /// unknown key or a value of the wrong type.
  static GatePolicy from_config(const Config& config);
};

/// A kind as the gates compare it: lower case, with '-', '.' and ' ' read as '_'.
std::string normalised_kind(std::string_view kind);
/// A list of kinds and shell patterns (normalised, as the policy holds them), asked
/// once per job: plain names are looked up in a hash set, only real patterns go
/// through fnmatch(3).
class KindSet {
 public:
  explicit KindSet(const std::vector<std::string>& patterns);
  /// Whether a normalised kind is in the set.
  bool contains(const std::string& normalised) const;

 private:
  std::unordered_set<std::string> names_;
  std::vector<std::string> globs_;
};

}  // namespace sheratan
