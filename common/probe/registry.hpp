#pragma once
// The host registry in the store (hosts, host_capabilities) and the probe results
// (probe_results, trimmed to a retention limit per host). A round's results are
// applied in one transaction against the stats as they are then, so that a host
// removed or changed meanwhile is handled rightly.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probe/damping.hpp"
#include "probe/host.hpp"
#include "store/store.hpp"

namespace sheratan {

struct RecordedResult {
  ProbeResult result;
  HostStatus previous = HostStatus::unknown;
  HostStatus status = HostStatus::unknown;
  Json to_json() const;
};

class HostRegistry {
 public:
  HostRegistry(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  /// Registers a host or replaces its registration (its stats are kept). Checks every
  /// field first (Error(bad_input)); a capability kind given twice is an error.
  Host add(const HostSpec& spec);
  /// False when no such host was registered.
  bool remove(const std::string& name);
  std::optional<Host> find(const std::string& name);
  std::vector<Host> list();
  /// Newest first.
  std::vector<ProbeResult> results(const std::string& name, std::int64_t limit);
  /// The results of every host recorded after seq, oldest first, each with its seq.
  std::vector<std::pair<std::int64_t, ProbeResult>> results_after(std::int64_t seq, std::int64_t limit);

  /// Records a round: each result, the host's new stats, and the retention trim.
  /// Results of hosts no longer registered are dropped. One transaction.
  std::vector<RecordedResult> record(const std::vector<ProbeResult>& results, const DampingRules& rules,
                                     std::int64_t retention);

  struct Offer {
    Host host;
    MoneyUnits cost = 0;
    std::int64_t active_jobs = 0;
  };
  /// Hosts with a capability for kind, with its cost and their jobs in flight.
  std::vector<Offer> offering(const std::string& kind);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace sheratan
