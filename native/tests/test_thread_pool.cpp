// The persistent pool: every tid runs exactly once per Run, barriers order phases, exceptions come
// back to the caller, nested Runs do not deadlock, and no threads are created after the first Run.
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "common/thread_pool.hpp"

using namespace mlpe;

int main() {
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      ++failures;
      std::printf("FAIL %s\n", what);
    }
  };
  ThreadPool& pool = ThreadPool::Shared();
  for (int team : {1, 2, 3, 5}) {
    std::vector<std::atomic<int>> hits(team);
    for (auto& h : hits) h = 0;
    std::atomic<int> bad{0};
    pool.Run(team, [&](int tid, int size) {
      if (size != team) ++bad;
      ++hits[tid];
    });
    bool once = bad == 0;
    for (auto& h : hits) once &= h == 1;
    expect(once, "each tid runs once with the asked team size");
  }
  const int created = pool.size();
  for (int rep = 0; rep < 200; ++rep) pool.Run(3, [](int, int) {});
  expect(pool.size() == created, "no thread creation per Run once the team exists");

  // Barrier: phase 2 sees every phase-1 write.
  std::vector<int> data(4, 0);
  std::atomic<int> seen{0};
  TeamBarrier barrier(4);
  pool.Run(4, [&](int tid, int) {
    data[tid] = tid + 1;
    barrier.Wait();
    int sum = 0;
    for (int v : data) sum += v;
    if (sum == 10) ++seen;
    barrier.Wait();
  });
  expect(seen == 4, "barrier orders the phases");

  bool caught = false;
  try {
    pool.Run(2, [](int tid, int) {
      if (tid == 1) throw std::runtime_error("boom");
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  expect(caught, "a worker's exception is rethrown to the caller");

  std::atomic<int> inner{0};
  pool.Run(2, [&](int, int) { pool.Run(2, [&](int, int size) { inner += size; }); });
  expect(inner == 2, "nested Run runs inline with team 1");

  std::vector<int> out(1000, 0);
  ParallelFor(1000, 3, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] += 1;
  }, 64);
  bool all = true;
  for (int v : out) all &= v == 1;
  expect(all, "ParallelFor covers [0, n) exactly once");

  std::printf("%d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
