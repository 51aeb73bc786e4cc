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
// The fixes the errors above and the root-only notes below share, one place each.
std::string PowercapAccessFix(const std::string& root);
std::string MsrAccessFix();
std::string PerfParanoidFix();

// "<reason>. Fix: <fix>" -> {reason, fix}; fix is "" when the message has none.
struct ReasonFix {
  std::string reason, fix;
};
ReasonFix SplitFix(const std::string& message);

// Sources that open only because this process runs as root (euid 0): `info` says so, with the command
// that gives other users access, so a setup tested as root does not fail later as a user. Each returns
// {"", ""} when any user could read the source the same way. `mode` is st_mode from stat(). These are
// pure so the tests (which run as root) can check every branch.
bool ReadableOnlyAsRoot(unsigned mode, unsigned euid);  // euid 0 and no read permission for others
ReasonFix PowercapRootOnly(const std::string& energy_path, unsigned mode, unsigned euid, const std::string& root);
// The msr driver also demands CAP_SYS_RAWIO of whoever opens /dev/cpu/N/msr (a character device), whatever
// its mode; msr_safe and fixture files go by their mode alone.
// `pattern` is the device path with %d for the CPU ("/dev/cpu/%d/msr_safe"), for the chmod command.
ReasonFix MsrRootOnly(const std::string& path, const std::string& pattern, unsigned mode, unsigned euid);
// System-wide power events need perf_event_paranoid <= 0 unless root (INT_MIN: unknown, no note).
ReasonFix PerfRootOnly(int paranoid, unsigned euid);

}  // namespace mlpe::meters
