// A non-owning reference to a callable: what std::function would be for a synchronous call, without
// its heap allocation when the lambda's captures outgrow the small buffer. The GEMM and the training
// step pass [&] lambdas to the thread pool on every call, so this keeps the hot path allocation-free.
// The referenced callable must outlive the call (true for ThreadPool::Run, which waits for its team).
#pragma once
#include <type_traits>
#include <utility>

namespace mlpe {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                                    std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& callable) noexcept  // NOLINT(google-explicit-constructor): used like std::function
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(callable)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace mlpe
