#include "meters/open.hpp"

#include <functional>

#include "common/error.hpp"
#include "meters/explain.hpp"

namespace mlpe::meters {

namespace {

using Factory = std::function<std::unique_ptr<EnergySource>()>;

struct Candidate {
  const char* name;
  Factory make;
};

std::vector<Candidate> CpuCandidates(const OpenOptions& o) {
  return {
      {"powercap", [&o] { return std::unique_ptr<EnergySource>(new PowercapSource(o.powercap)); }},
      {"perf_event", [&o] { return std::unique_ptr<EnergySource>(new PerfEventSource(o.perf)); }},
      {"msr", [&o] { return std::unique_ptr<EnergySource>(new MsrSource(o.msr)); }},
  };
}

std::vector<Candidate> GpuCandidates(const OpenOptions& o) {
  return {{"nvml", [&o] { return std::unique_ptr<EnergySource>(new NvmlSource(o.nvml)); }}};
}

Candidate EstimateCandidate(const OpenOptions& o) {
  return {"estimate", [&o] { return std::unique_ptr<EnergySource>(new EstimateSource(o.estimate)); }};
}

// Tries one candidate: the source on success, else a status carrying the reason and fix.
std::unique_ptr<EnergySource> Try(const Candidate& c, SourceStatus& status) {
  status.source = c.name;
  try {
    auto source = c.make();
    status.available = true;
    status.estimated = source->Estimated();
    status.method = source->Method();
    for (const Domain& d : source->Domains()) status.domains.push_back(d.key);
    ReasonFix root_only = source->RootOnly();
    status.root_only = root_only.reason;
    status.fix = root_only.fix;
    return source;
  } catch (const Error& e) {
    if (e.code() == "INVALID_OPTION") throw;  // the user's input, not the machine: say so
    status.code = e.code();
    auto rf = SplitFix(e.what());
    status.reason = rf.reason;
    status.fix = rf.fix;
  } catch (const std::exception& e) {
    status.code = "METER_READ_FAILED";
    status.reason = e.what();
  }
  return nullptr;
}

bool EntersTotals(const EnergySource& source) {
  for (const Domain& d : source.Domains())
    if (d.in_total) return true;
  return false;
}

std::string Join(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

const Candidate* Find(const std::vector<Candidate>& list, const std::string& name) {
  for (const auto& c : list)
    if (name == c.name) return &c;
  return nullptr;
}

// The options with `domains` parsed into each RAPL source's selection (INVALID_OPTION on a bad name).
OpenOptions WithSelection(const OpenOptions& options) {
  OpenOptions o = options;
  if (options.domains.empty()) return o;
  o.powercap.domains = o.perf.domains = o.msr.domains = ParseDomainSelection(options.domains);
  return o;
}

}  // namespace

Opened Open(const OpenOptions& user_options) {
  const OpenOptions options = WithSelection(user_options);
  if (!options.domains.empty() && (options.cpu == "estimate" || options.cpu == "none")) {
    throw Error("INVALID_OPTION", "domains selects RAPL planes, and cpu \"" + options.cpu +
                                      "\" reads none: leave domains out, or use a RAPL source (cpu \"auto\", "
                                      "\"powercap\", \"perf_event\" or \"msr\")");
  }
  if (!options.nvml.devices.empty() && options.gpu == "none") {
    throw Error("INVALID_OPTION", "gpus selects NVML devices, and gpu \"none\" reads none: leave gpus out, or set gpu "
                                  "to \"nvml\" or \"auto\"");
  }
  Opened out;
  std::vector<std::unique_ptr<EnergySource>> sources;
  const auto cpu = CpuCandidates(options);
  const auto gpu = GpuCandidates(options);
  const Candidate estimate = EstimateCandidate(options);

  // `for_totals`: cpu "auto" without a `domains` selection passes over a RAPL source none of whose planes enters a
  // total (psys alone, as a KVM guest's perf events offered on an H200 host: it read zero there), so the next
  // source or the labelled estimate measures the CPU instead of nothing.
  auto use = [&](const Candidate& c, bool required, bool for_totals = false) {
    SourceStatus status;
    auto source = Try(c, status);
    if (source && for_totals && !EntersTotals(*source)) {
      // `fix` keeps the root-only advice; choosing the source by name is part of the reason.
      status.reason = "offers only " + Join(status.domains) + ", which never enter a total (psys also covers the "
                      "package), so cpu \"auto\" measures the CPU with the next source; to read them anyway, "
                      "choose cpu \"" + std::string(c.name) + "\" (--cpu " + c.name + ")";
      source.reset();
    }
    if (source) {
      status.selected = true;
      sources.push_back(std::move(source));
    }
    out.statuses.push_back(status);
    if (!status.available && required) {
      throw Error(status.code.empty() ? "METER_UNAVAILABLE" : status.code,
                  std::string(c.name) + " energy source unavailable: " + status.reason +
                      (status.fix.empty() ? "" : ". Fix: " + status.fix),
                  ErrorKind::System);
    }
    return status.selected;
  };

  if (options.cpu == "auto") {
    bool any = false;
    for (const auto& c : cpu) {
      if (use(c, false, options.domains.empty())) {
        any = true;
        break;
      }
    }
    if (!any) {
      // RAPL is here but lacks every selected plane: say so rather than estimate what was asked to be read.
      for (const SourceStatus& s : out.statuses) {
        if (s.code == "METER_DOMAIN_UNAVAILABLE") {
          throw Error(s.code, s.source + " energy source unavailable: " + s.reason + ". Fix: " + s.fix, ErrorKind::System);
        }
      }
      use(estimate, true);
    }
  } else if (options.cpu == "estimate") {
    use(estimate, true);
  } else if (options.cpu != "none") {
    const Candidate* c = Find(cpu, options.cpu);
    if (!c) {
      throw Error("INVALID_OPTION", "Expected one of \"auto\", \"powercap\", \"perf_event\", \"msr\", \"estimate\", "
                                    "\"none\" for cpu but received \"" + options.cpu + "\"");
    }
    use(*c, true);
  }

  if (options.gpu == "auto") {
    for (const auto& c : gpu) use(c, false);
  } else if (options.gpu != "none") {
    const Candidate* c = Find(gpu, options.gpu);
    if (!c) {
      throw Error("INVALID_OPTION", "Expected one of \"auto\", \"nvml\", \"none\" for gpu but received \"" +
                                        options.gpu + "\"");
    }
    use(*c, true);
  }
  if (sources.empty()) {
    throw Error("METER_UNAVAILABLE",
                "no energy source selected (cpu and gpu both \"none\", or no GPU counter): select one, or "
                "cpu: \"estimate\" for a labelled estimate",
                ErrorKind::System);
  }
  out.meters = std::make_unique<Meters>(std::move(sources), options.poller);
  return out;
}

std::vector<SourceStatus> Probe(const OpenOptions& user_options) {
  const OpenOptions options = WithSelection(user_options);
  std::vector<SourceStatus> out;
  auto all = CpuCandidates(options);
  for (auto& c : GpuCandidates(options)) all.push_back(c);
  all.push_back(EstimateCandidate(options));
  for (const auto& c : all) {
    SourceStatus status;
    Try(c, status);
    out.push_back(status);
  }
  return out;
}

}  // namespace mlpe::meters
