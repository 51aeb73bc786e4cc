#include "meters/sysfs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.hpp"

namespace mlpe::meters {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd OpenReadOnly(const std::string& path, int* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && err) *err = errno;
  return Fd(fd);
}

std::optional<std::string> ReadText(const std::string& path, int* err) {
  int e = 0;
  Fd fd = OpenReadOnly(path, &e);
  if (!fd.valid()) {
    if (err) *err = e;
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (err) *err = errno;
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;  // sysfs attributes are small; never slurp a huge file
  }
  return out;
}

std::optional<std::uint64_t> ParseU64(const std::string& text) {
  std::size_t i = 0, n = text.size();
  while (i < n && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i == n || text[i] < '0' || text[i] > '9') return std::nullopt;
  std::uint64_t value = 0;
  for (; i < n && text[i] >= '0' && text[i] <= '9'; ++i) {
    std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  while (i < n && (text[i] == '\n' || text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
  if (i != n) return std::nullopt;
  return value;
}

std::uint64_t PreadDecimal(int fd, const std::string& path) {
  char buf[32];
  ssize_t n;
  do n = ::pread(fd, buf, sizeof buf - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    throw Error("METER_READ_FAILED", "reading " + path + " failed: " + std::strerror(errno), ErrorKind::System);
  }
  // Fast path of ParseU64 without building a std::string (this runs on every counter read).
  std::uint64_t value = 0;
  ssize_t i = 0;
  bool digits = false;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    std::uint64_t digit = static_cast<std::uint64_t>(buf[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) { digits = false; break; }
    value = value * 10 + digit;
    digits = true;
  }
  while (digits && i < n && (buf[i] == '\n' || buf[i] == ' ')) ++i;
  if (!digits || i != n) {
    buf[n < 0 ? 0 : n] = '\0';
    throw Error("METER_READ_FAILED",
                path + " holds \"" + std::string(buf, static_cast<std::size_t>(n)) +
                    "\", not a decimal counter: the file is not a RAPL energy counter (check powercapRoot, --powercap-root)",
                ErrorKind::System);
  }
  return value;
}

std::uint64_t PreadU64(int fd, std::uint64_t offset, const std::string& path) {
  std::uint64_t value = 0;
  ssize_t n;
  do n = ::pread(fd, &value, sizeof value, static_cast<off_t>(offset));
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof value)) {
    int e = n < 0 ? errno : EIO;
    char where[32];
    std::snprintf(where, sizeof where, "0x%llx", static_cast<unsigned long long>(offset));
    throw Error("METER_READ_FAILED",
                "reading 8 bytes at " + std::string(where) + " of " + path + " failed: " +
                    (n >= 0 ? std::string("short read (register not implemented by this CPU?)") : std::strerror(e)),
                ErrorKind::System);
  }
  return value;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace mlpe::meters
