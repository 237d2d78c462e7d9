#pragma once
// Query parameters of a request, checked: an integer out of range or not a number is
// Error(bad_input) naming the parameter.

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sheratan::serve {

std::optional<std::string> query_text(const httplib::Request& request, const char* name);
std::vector<std::string> query_texts(const httplib::Request& request, const char* name);
std::optional<std::int64_t> query_integer(const httplib::Request& request, const char* name, std::int64_t low,
                                          std::int64_t high);

}  // namespace sheratan::serve
