#include "errors.hpp"

namespace mlpe::addon {

Napi::Error MakeError(Napi::Env env, const std::string& code, const std::string& message,
                      ErrorKind kind) {
  Napi::Error error = kind == ErrorKind::Type    ? Napi::Error(Napi::TypeError::New(env, message))
                      : kind == ErrorKind::Range ? Napi::Error(Napi::RangeError::New(env, message))
                                                 : Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

void ThrowError(Napi::Env env, const std::string& code, const std::string& message, ErrorKind kind) {
  throw MakeError(env, code, message, kind);
}

CaughtError Catch(const std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const mlpe::Error& e) {
    return {e.code(), e.what(), e.kind()};
  } catch (const std::bad_alloc&) {
    return {"OUT_OF_MEMORY", "native allocation failed: reduce the problem size", ErrorKind::System};
  } catch (const std::exception& e) {
    return {"NATIVE_ERROR", e.what(), ErrorKind::System};
  } catch (...) {
    return {"NATIVE_ERROR", "unknown native exception", ErrorKind::System};
  }
}

}  // namespace mlpe::addon
