// The one check macro of the standalone native tests: counts checks, prints each failure with its place
// and a printf-style reason, and lets the test go on so one run reports every failure.
#pragma once
#include <cstdio>

namespace mlpe::test {
inline int failures = 0;
inline int checks = 0;
}  // namespace mlpe::test

#define EXPECT(cond, ...)                              \
  do {                                                 \
    ++::mlpe::test::checks;                            \
    if (!(cond)) {                                     \
      ++::mlpe::test::failures;                        \
      std::printf("FAIL %s:%d: ", __FILE__, __LINE__); \
      std::printf(__VA_ARGS__);                        \
      std::printf("\n");                               \
    }                                                  \
  } while (0)
