#include "meters/explain.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace mlpe::meters {

namespace {
std::string Errno(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

std::string Octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777u);
  return buf;
}
}  // namespace

ReasonFix SplitFix(const std::string& message) {
  const std::string marker = " Fix: ";
  const auto at = message.find(marker);
  if (at == std::string::npos) return {message, ""};
  std::string reason = message.substr(0, at);
  if (!reason.empty() && reason.back() == '.') reason.pop_back();
  return {reason, message.substr(at + marker.size())};
}

std::string PowercapChmodCommand(const std::string& root) {
  return "sudo chmod a+r " + root + "/intel-rapl:*/energy_uj " + root + "/intel-rapl:*:*/energy_uj";
}

std::string PowercapUdevCommand() {
  // udev re-applies the mode whenever the zone appears (boot, driver reload).
  return "echo 'ACTION==\"add\", SUBSYSTEM==\"powercap\", RUN+=\"/bin/chmod a+r /sys%p/energy_uj\"' | "
         "sudo tee /etc/udev/rules.d/99-rapl-energy.rules && sudo udevadm trigger --subsystem-match=powercap "
         "--action=add";
}

std::string PowercapAccessFix(const std::string& root) {
  return "grant read access until reboot with `" + PowercapChmodCommand(root) + "`, or for good with `" +
         PowercapUdevCommand() + "`";
}

std::string MsrAccessFix() {
  return "`sudo setcap cap_sys_rawio=ep $(readlink -f $(command -v node))` plus `sudo chmod a+r /dev/cpu/*/msr`, or "
         "install LLNL msr-safe with the RAPL registers allow-listed (it is tried first, as /dev/cpu/N/msr_safe)";
}

std::string PerfParanoidFix() {
  return "`sudo sysctl -w kernel.perf_event_paranoid=0` (persist it in /etc/sysctl.d/); CAP_PERFMON may also work "
         "(unconfirmed)";
}

Error ExplainPowercap(const std::string& path, int err, const std::string& root) {
  if (err == EACCES || err == EPERM) {
    return Error("METER_PERMISSION_DENIED",
                 "cannot read " + path + ": " + Errno(err) +
                     ". Since Linux 5.10 (CVE-2020-8694) RAPL energy_uj is readable by root only. Fix: " +
                     PowercapAccessFix(root),
                 ErrorKind::System);
  }
  if (err == ENOTDIR && path == root) {  // a file given as the tree: a wrong path, not a machine without RAPL
    return Error("METER_UNAVAILABLE",
                 root + " is not a directory. Fix: pass powercapRoot (--powercap-root) the powercap tree, a directory such as "
                        "/sys/class/powercap (the default)",
                 ErrorKind::System);
  }
  if (err == ENOENT || err == ENODEV || err == ENOTDIR) {
    return Error("METER_UNAVAILABLE",
                 path + " does not exist: no RAPL powercap zones here, likely a VM or a container (Docker masks "
                        "/sys/devices/virtual/powercap). Fix: on bare metal load the driver with `sudo modprobe "
                        "intel_rapl_msr` (AMD Zen needs Linux >= 5.11); in a container bind-mount the host's "
                        "/sys/class/powercap and pass its path as powercapRoot (--powercap-root)",
                 ErrorKind::System);
  }
  return Error("METER_READ_FAILED", "cannot read " + path + ": " + Errno(err), ErrorKind::System);
}

Error ExplainMsr(const std::string& path, int err) {
  if (err == EACCES || err == EPERM) {
    return Error("METER_PERMISSION_DENIED",
                 "cannot open " + path + ": " + Errno(err) + ". Raw MSR access needs root or CAP_SYS_RAWIO. Fix: " +
                     MsrAccessFix(),
                 ErrorKind::System);
  }
  if (err == ENOENT || err == ENODEV || err == ENXIO || err == ENOTDIR) {
    return Error("METER_UNAVAILABLE",
                 path + " does not exist (a VM usually has no RAPL MSRs at all). Fix: load the msr driver with "
                        "`sudo modprobe msr`",
                 ErrorKind::System);
  }
  if (err == EIO) {
    return Error("METER_UNAVAILABLE", "reading " + path + " failed with EIO: this CPU does not implement the register",
                 ErrorKind::System);
  }
  return Error("METER_READ_FAILED", "cannot read " + path + ": " + Errno(err), ErrorKind::System);
}

Error ExplainPerfOpen(const std::string& event, int err, int pmu_type, int paranoid) {
  const std::string what = "perf_event_open(" + event + ", PMU type " + std::to_string(pmu_type) + ") failed: " + Errno(err);
  if (err == EACCES || err == EPERM) {
    return Error("METER_PERMISSION_DENIED",
                 what + ". System-wide power events need perf_event_paranoid <= 0 or root (it is " +
                     (paranoid < -1 ? std::string("unreadable") : std::to_string(paranoid)) + "). Fix: " +
                     PerfParanoidFix(),
                 ErrorKind::System);
  }
  if (err == ENOENT || err == ENODEV || err == EOPNOTSUPP) {
    return Error("METER_UNAVAILABLE",
                 what + ". The kernel has no such PMU or event here. Fix: RAPL perf events need an Intel CPU or AMD "
                        "Zen with Linux >= 5.8 on bare metal (VMs do not expose them); use another source",
                 ErrorKind::System);
  }
  if (err == EINVAL) {
    return Error("METER_UNAVAILABLE",
                 what + ". The kernel rejected the event attributes (power events are system-wide: pid -1, one CPU "
                        "per package from the PMU's cpumask)",
                 ErrorKind::System);
  }
  return Error("METER_READ_FAILED", what, ErrorKind::System);
}

bool ReadableOnlyAsRoot(unsigned mode, unsigned euid) { return euid == 0 && (mode & S_IROTH) == 0; }

ReasonFix PowercapRootOnly(const std::string& energy_path, unsigned mode, unsigned euid, const std::string& root) {
  if (!ReadableOnlyAsRoot(mode, euid)) return {};
  return {"readable here only because this process runs as root: " + energy_path + " is mode " + Octal(mode) +
              " (root-only since Linux 5.10, CVE-2020-8694), so other users cannot read it",
          "for other users, " + PowercapAccessFix(root)};
}

ReasonFix MsrRootOnly(const std::string& path, const std::string& pattern, unsigned mode, unsigned euid) {
  if (euid != 0) return {};
  const bool msr_driver = S_ISCHR(mode) && path.find("msr_safe") == std::string::npos;
  if (msr_driver) {
    return {"opens here only because this process runs as root: the msr driver requires CAP_SYS_RAWIO to open " + path +
                " (mode " + Octal(mode) + ")",
            "for other users, " + MsrAccessFix()};
  }
  if (!ReadableOnlyAsRoot(mode, euid)) return {};
  std::string every_cpu = pattern;
  const auto at = every_cpu.find("%d");
  if (at != std::string::npos) every_cpu.replace(at, 2, "*");
  return {"readable here only because this process runs as root: " + path + " is mode " + Octal(mode),
          "for other users, `sudo chmod a+r " + every_cpu + "` (msr-safe's allow-list still decides which registers "
          "they read)"};
}

ReasonFix PerfRootOnly(int paranoid, unsigned euid) {
  if (euid != 0 || paranoid == INT_MIN || paranoid <= 0) return {};
  return {"opens here only because this process runs as root: system-wide power events need perf_event_paranoid "
          "<= 0 for other users (it is " + std::to_string(paranoid) + ")",
          "for other users, " + PerfParanoidFix()};
}

}  // namespace mlpe::meters
