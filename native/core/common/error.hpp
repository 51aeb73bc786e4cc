// One error type for the whole core: a stable code (the same string the TypeScript SDK exposes as
// `error.code`) and a message that names the fix. The addon turns it into a JS Error with `code`.
#pragma once
#include <stdexcept>
#include <string>

namespace mlpe {

enum class ErrorKind { Range, Type, State, System };

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message, ErrorKind kind = ErrorKind::Range)
      : std::runtime_error(message), code_(std::move(code)), kind_(kind) {}
  const std::string& code() const noexcept { return code_; }
  ErrorKind kind() const noexcept { return kind_; }

 private:
  std::string code_;
  ErrorKind kind_;
};

}  // namespace mlpe
