// A persistent pool of worker threads (created once, grown only when a larger team is first asked
// for): GEMM runs its loops on it, and any elementwise work can use ParallelFor. One team runs at a
// time; a Run from inside a team (or while another caller holds the pool) runs the work on the
// calling thread alone with team size 1, so callers must accept any team size.
//
// Hand-off spins before it sleeps, as OpenMP runtimes do: a training step is a chain of GEMMs a few
// hundred µs long, and a futex wake-up of a halted vCPU costs tens of µs per call. Idle workers spin
// for at most kSpinWindow (MLPE_POOL_SPIN_US overrides it; 0 = always sleep) after their last task, so
// the spin costs energy only while work is arriving.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "common/function_ref.hpp"

namespace mlpe {

// Sense-reversing barrier for the threads of one team: spins briefly, then yields (the machine may be
// oversubscribed, so pure spinning would starve the thread being waited for).
class TeamBarrier {
 public:
  explicit TeamBarrier(int team) : team_(team) {}
  void Wait();

 private:
  const int team_;
  std::atomic<int> arrived_{0};
  std::atomic<uint32_t> phase_{0};
};

class ThreadPool {
 public:
  using Task = FunctionRef<void(int tid, int team)>;

  static ThreadPool& Shared();
  ~ThreadPool();

  // Runs task(tid, team) for tid = 0..team-1 (tid 0 on the calling thread) and waits for all. The
  // first exception thrown by any tid is rethrown here. A task that uses a TeamBarrier must not throw
  // between barriers (the other threads would wait forever).
  void Run(int team, const Task& task);

  int size() const;  // threads created so far, the caller included

 private:
  void Grow(int team);  // under run_mutex_
  void Worker(int index);

  std::mutex run_mutex_;  // one team at a time
  mutable std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const Task* task_ = nullptr;           // under mutex_
  int team_ = 0;                         // under mutex_
  std::atomic<uint64_t> generation_{0};  // written under mutex_, spun on without it
  std::atomic<int> pending_{0};          // team members still running
  int sleepers_ = 0;                     // workers blocked on wake_, under mutex_
  bool caller_asleep_ = false;           // Run blocked on done_, under mutex_
  bool stop_ = false;
  std::exception_ptr error_;
};

// Splits [0, n) into `threads` contiguous chunks (each a multiple of `grain` except the last) and runs
// body(begin, end) on the shared pool.
void ParallelFor(int64_t n, int threads, FunctionRef<void(int64_t begin, int64_t end)> body,
                 int64_t grain = 1);

}  // namespace mlpe
