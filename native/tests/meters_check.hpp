// Tiny check macros and temp-dir fixtures shared by the meters ctest executables.
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "meters/poller.hpp"

namespace meters_test {

// Poller options for tests that step the counters by hand (Sample) instead of a thread.
inline mlpe::meters::PollerOptions Manual() {
  mlpe::meters::PollerOptions p;
  p.thread = false;
  return p;
}

inline int& Failures() {
  static int n = 0;
  return n;
}

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++meters_test::Failures();                                             \
    }                                                                        \
  } while (0)

#define CHECK_THROWS_CODE(expr, code_str)                                    \
  do {                                                                       \
    bool threw = false;                                                      \
    try {                                                                    \
      (void)(expr);                                                          \
    } catch (const mlpe::Error& e) {                                         \
      threw = true;                                                          \
      if (e.code() != (code_str)) {                                          \
        std::fprintf(stderr, "%s:%d: %s threw %s (%s), expected %s\n", __FILE__, __LINE__, #expr, \
                     e.code().c_str(), e.what(), code_str);                  \
        ++meters_test::Failures();                                           \
      }                                                                      \
    }                                                                        \
    if (!threw) {                                                            \
      std::fprintf(stderr, "%s:%d: %s did not throw\n", __FILE__, __LINE__, #expr); \
      ++meters_test::Failures();                                             \
    }                                                                        \
  } while (0)

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline std::string TempDir(const char* tag) {
  std::string tmpl = std::string("/tmp/mlpe-") + tag + "-XXXXXX";
  char* dir = ::mkdtemp(tmpl.data());
  if (!dir) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  return dir;
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::trunc) << content;
}

inline void MakeDir(const std::string& path) { ::mkdir(path.c_str(), 0755); }

inline void RemoveTree(const std::string& dir) {
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
}

inline int Finish(const char* name) {
  if (Failures()) {
    std::fprintf(stderr, "%s: %d check(s) failed\n", name, Failures());
    return 1;
  }
  std::printf("%s: all checks passed\n", name);
  return 0;
}

}  // namespace meters_test
