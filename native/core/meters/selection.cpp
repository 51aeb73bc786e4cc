#include "meters/selection.hpp"

#include <algorithm>

namespace mlpe::meters {

namespace {
constexpr DomainKind kRaplKinds[] = {DomainKind::Package, DomainKind::Core, DomainKind::Uncore, DomainKind::Dram,
                                     DomainKind::Psys};

std::string Join(const std::vector<DomainKind>& kinds) {
  std::string out;
  for (DomainKind k : kinds) out += (out.empty() ? "" : ", ") + std::string(DomainKindName(k));
  return out;
}
}  // namespace

bool DomainSelection::Wants(DomainKind kind) const {
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::string DomainSelection::Names() const { return Join(kinds); }

DomainSelection ParseDomainSelection(const std::vector<std::string>& names) {
  DomainSelection s;
  for (const std::string& name : names) {
    const DomainKind* kind = std::find_if(std::begin(kRaplKinds), std::end(kRaplKinds),
                                          [&](DomainKind k) { return name == DomainKindName(k); });
    if (kind == std::end(kRaplKinds)) {
      throw Error("INVALID_OPTION", "Expected RAPL domain names among " + std::string(kRaplDomainNames) +
                                        " for domains but received \"" + name + "\"" +
                                        (name == "gpu" ? " (GPUs are chosen with gpu and gpus)" : ""));
    }
    if (std::find(s.kinds.begin(), s.kinds.end(), *kind) == s.kinds.end()) s.kinds.push_back(*kind);  // repeats are harmless
  }
  if (s.kinds.empty()) {
    throw Error("INVALID_OPTION", "Expected at least one of " + std::string(kRaplDomainNames) +
                                      " for domains but received none (leave domains out to read every plane)");
  }
  return s;
}

void OfferedKinds::Add(DomainKind kind) {
  if (std::find(kinds_.begin(), kinds_.end(), kind) == kinds_.end()) kinds_.push_back(kind);
}

Error OfferedKinds::NothingSelected(const char* source, const DomainSelection& selection) const {
  std::vector<DomainKind> sorted;  // in kRaplKinds order, whatever order discovery met them
  for (DomainKind k : kRaplKinds)
    if (std::find(kinds_.begin(), kinds_.end(), k) != kinds_.end()) sorted.push_back(k);
  return Error("METER_DOMAIN_UNAVAILABLE",
               std::string(source) + " has none of the selected RAPL domains (" + selection.Names() + "); here it has " +
                   (sorted.empty() ? std::string("none") : Join(sorted)) + ". Fix: choose domains among " +
                   (sorted.empty() ? std::string(kRaplDomainNames) : Join(sorted)) + ", or leave domains out",
               ErrorKind::System);
}

}  // namespace mlpe::meters
