// errno -> mlpe::Error with the fix, per source. Messages read "<reason>. Fix: <fix>" so `info` can show
// the two apart (SplitFix). The one table of "why can't I read this counter".
// Root reads everything, so the permission branches are tested by calling these directly.
#pragma once
#include <string>

#include "common/error.hpp"

namespace mlpe::meters {

// Codes: METER_PERMISSION_DENIED (EACCES/EPERM), METER_UNAVAILABLE (ENOENT/ENODEV/ENXIO/EOPNOTSUPP...),
// METER_READ_FAILED (anything else). `root` is the directory the user passed (or the default) so the
// suggested command names the files they actually have.
Error ExplainPowercap(const std::string& path, int err, const std::string& root);
Error ExplainMsr(const std::string& path, int err);
// paranoid: the value of /proc/sys/kernel/perf_event_paranoid (may be -1), or INT_MIN if unreadable.
Error ExplainPerfOpen(const std::string& event, int err, int pmu_type, int paranoid);

// The exact commands that grant read access to energy_uj under `root` (until reboot, and for good).
std::string PowercapChmodCommand(const std::string& root);
std::string PowercapUdevCommand();

// "<reason>. Fix: <fix>" -> {reason, fix}; fix is "" when the message has none.
struct ReasonFix {
  std::string reason, fix;
};
ReasonFix SplitFix(const std::string& message);

}  // namespace mlpe::meters
