// Conversion of core errors to JS exceptions: a JS Error (TypeError/RangeError where it fits) with a
// stable `code`. Entry points wrap their body in Guard so no C++ exception escapes into Node.
#pragma once
#include <napi.h>

#include <string>

#include "common/error.hpp"

namespace mlpe::addon {

Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message,
                      ErrorKind kind = ErrorKind::Range);

[[noreturn]] void ThrowError(Napi::Env env, const std::string& code, const std::string& message,
                             ErrorKind kind = ErrorKind::Range);

// Runs body; mlpe::Error and std::exception become JS exceptions with a code.
template <typename F>
auto Guard(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const mlpe::Error& e) {
    throw MakeError(env, e.code(), e.what(), e.kind());
  } catch (const std::bad_alloc&) {
    throw MakeError(env, "OUT_OF_MEMORY", "native allocation failed: reduce the problem size",
                    ErrorKind::System);
  } catch (const std::exception& e) {
    throw MakeError(env, "NATIVE_ERROR", e.what(), ErrorKind::System);
  }
}

// Message of a caught exception for AsyncWorker::SetError paths, with the code kept alongside.
struct CaughtError {
  std::string code;
  std::string message;
  ErrorKind kind = ErrorKind::System;
};
CaughtError Catch(const std::exception_ptr& ep);

}  // namespace mlpe::addon
