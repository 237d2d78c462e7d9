#pragma once
// Errors as the API answers them: a status, a short code and a message, sent as
// {"error": code, "message": message}. The library's Error maps onto them by exit
// code, so that a rule broken over HTTP reads as it does on the command line.

#include <optional>
#include <stdexcept>
#include <string>

#include "cli/error.hpp"

namespace sheratan::serve {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message,
            std::optional<std::int64_t> retry_after_s = std::nullopt)
      : std::runtime_error(message), status_(status), code_(std::move(code)), retry_after_s_(retry_after_s) {}
  /// With a record for scripts (a JSON text, such as the gates' report), sent as "report".
  HttpError& with_report(std::string report) {
    report_ = std::move(report);
    return *this;
  }
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  std::optional<std::int64_t> retry_after_s() const { return retry_after_s_; }
  /// {"error":code,"message":what()} as compact JSON.
  std::string body() const;

 private:
  int status_;
  std::string code_;
  std::optional<std::int64_t> retry_after_s_;
  std::string report_;
};

/// The HTTP form of a library error: bad input and usage 400, conflict 409,
/// unavailable 503 (Retry-After 1), "no X" failures 404, other failures 500. An
/// error's record (the gates' report of a refused job) goes along as "report".
HttpError http_error_of(const Error& error);

/// The short code for a status without a more precise one ("not_found", ...).
std::string code_for_status(int status);

}  // namespace sheratan::serve
