// Writes a fixture file (and the folders above it) in a temp tree standing for sysfs or procfs.
#pragma once
#include <filesystem>
#include <fstream>
#include <string>

namespace mlpe::test {
inline void WriteFixture(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text << "\n";
}
}  // namespace mlpe::test
