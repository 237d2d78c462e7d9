#include "serve/body_fields.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan::serve {

namespace {

const Json* present(const Json& object, const char* field) {
  auto found = object.find(field);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

}  // namespace

void reject_unknown_fields(const Json& object, std::initializer_list<const char*> known) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool ok = false;
    for (const char* name : known)
      ok = ok || it.key() == name;
    if (!ok) fail(ExitCode::bad_input, "field " + quote(it.key()) + " is unknown");
  }
}

std::optional<std::string> optional_string(const Json& object, const char* field) {
  const Json* value = present(object, field);
  if (!value) return std::nullopt;
  if (!value->is_string()) fail(ExitCode::bad_input, "field " + quote(field) + " must be a string");
  return value->get<std::string>();
}

std::string required_string(const Json& object, const char* field) {
  auto value = optional_string(object, field);
  if (!value) fail(ExitCode::bad_input, "field " + quote(field) + " is required");
  return *value;
}

std::optional<std::int64_t> optional_integer(const Json& object, const char* field, std::int64_t low,
                                             std::int64_t high) {
  const Json* value = present(object, field);
  if (!value) return std::nullopt;
  if (!value->is_number_integer() || value->get<std::int64_t>() < low || value->get<std::int64_t>() > high)
    fail(ExitCode::bad_input,
         "field " + quote(field) + " must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
  return value->get<std::int64_t>();
}

std::optional<bool> optional_bool(const Json& object, const char* field) {
  const Json* value = present(object, field);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) fail(ExitCode::bad_input, "field " + quote(field) + " must be true or false");
  return value->get<bool>();
}

}  // namespace sheratan::serve
