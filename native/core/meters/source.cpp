#include "meters/source.hpp"

namespace mlpe::meters {

const char* DomainKindName(DomainKind kind) {
  switch (kind) {
    case DomainKind::Package: return "package";
    case DomainKind::Core: return "core";
    case DomainKind::Uncore: return "uncore";
    case DomainKind::Dram: return "dram";
    case DomainKind::Psys: return "psys";
    case DomainKind::Gpu: return "gpu";
    case DomainKind::Cpu: return "cpu";
  }
  return "unknown";
}

}  // namespace mlpe::meters
