// Which RAPL planes to read (the `domains` option): a window reads only the counters of the kinds the
// user named, so a 2-package powercap window with `package` alone makes 4 reads instead of 14. Sources
// skip the planes left out before opening them: no fd, no perf event, no read by windows or the poller.
#pragma once
#include <string>
#include <vector>

#include "common/error.hpp"
#include "meters/source.hpp"

namespace mlpe::meters {

// The names a selection accepts: the RAPL kinds as results report them.
inline constexpr const char* kRaplDomainNames = "package, core, uncore, dram, psys";

struct DomainSelection {
  std::vector<DomainKind> kinds;  // empty: every plane the source has
  bool Wants(DomainKind kind) const;
  bool All() const { return kinds.empty(); }
  std::string Names() const;  // "package, dram"
};

// "package", "dram", ... -> a selection. Throws INVALID_OPTION naming the valid names when a name is
// unknown, or when `names` is given but empty (selecting nothing is never what anyone means).
DomainSelection ParseDomainSelection(const std::vector<std::string>& names);

// Planes a source found while discovering, selected or not: what to offer when the selection keeps none.
class OfferedKinds {
 public:
  void Add(DomainKind kind);
  // METER_DOMAIN_UNAVAILABLE: `source` has none of the selected planes; the message lists what it has.
  Error NothingSelected(const char* source, const DomainSelection& selection) const;

 private:
  std::vector<DomainKind> kinds_;
};

}  // namespace mlpe::meters
