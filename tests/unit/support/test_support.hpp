#pragma once
// What the unit tests share: catching a sheratan::Error, a temporary folder, a pipe,
// a clock that moves only when told, and a scoped environment variable.

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "cli/error.hpp"
#include "cli/timestamp.hpp"

namespace sheratan::testing {

/// The Error that f throws; fails the test when it throws none.
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& error) {
    return error;
  }
  FAIL("expected sheratan::Error, nothing was thrown");
  return Error(ExitCode::ok, "unreachable");
}

/// A folder under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sheratan-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A pipe whose ends close with the object.
class Pipe {
 public:
  Pipe() { REQUIRE(::pipe(fds_) == 0); }
  ~Pipe() {
    close_write();
    if (fds_[0] >= 0) ::close(fds_[0]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_end() const { return fds_[0]; }
  void write(const std::string& text) {
    REQUIRE(text.size() < 60'000);  // stays below the pipe buffer, so this never blocks
    REQUIRE(::write(fds_[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(EpochMillis start) : now_(start) {}
  EpochMillis now() const override { return now_; }
  void set(EpochMillis ms) { now_ = ms; }
  void advance(std::int64_t ms) { now_ += ms; }

 private:
  EpochMillis now_;
};

/// Sets (or unsets) an environment variable for one scope and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = ::getenv(name)) saved_ = std::string(old);
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (saved_)
      ::setenv(name_, saved_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

}  // namespace sheratan::testing
