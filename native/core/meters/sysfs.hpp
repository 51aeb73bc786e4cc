// Small, allocation-free-on-the-hot-path file helpers shared by the sources: keep an fd open and pread
// it (energymon's pattern: no open/close per read), parse sysfs text strictly.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace mlpe::meters {

// An owned read-only file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&& other) noexcept;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// open(path, O_RDONLY|O_CLOEXEC); on failure returns an invalid Fd and sets *err to errno.
Fd OpenReadOnly(const std::string& path, int* err);

// Whole small file (sysfs attribute) or nullopt with *err = errno (ENOENT, EACCES, ...).
std::optional<std::string> ReadText(const std::string& path, int* err = nullptr);

// "  123\n" -> 123. nullopt for anything else (empty, sign, trailing junk, overflow).
std::optional<std::uint64_t> ParseU64(const std::string& text);

// pread the decimal text at offset 0 of an open sysfs attribute. Throws METER_READ_FAILED naming path
// on an I/O error or malformed content.
std::uint64_t PreadDecimal(int fd, const std::string& path);

// pread 8 bytes at `offset` (MSR: the offset is the register address; perf_event: 0). Throws
// METER_READ_FAILED (short read, EIO: register not implemented) naming path.
std::uint64_t PreadU64(int fd, std::uint64_t offset, const std::string& path);

bool IsDirectory(const std::string& path);

}  // namespace mlpe::meters
