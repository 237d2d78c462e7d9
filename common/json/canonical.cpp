#include "json/canonical.hpp"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cli/error.hpp"

namespace sheratan {
namespace {

// UTF-8 → UTF-16 code units, for RFC 8785's key order.
std::u16string utf16_units(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    char32_t code = byte;
    std::size_t length = 1;
    if (byte >= 0xF0) {
      code = byte & 0x07u;
      length = 4;
    } else if (byte >= 0xE0) {
      code = byte & 0x0Fu;
      length = 3;
    } else if (byte >= 0xC0) {
      code = byte & 0x1Fu;
      length = 2;
    }
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    i += length;
    if (code >= 0x10000) {
      code -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (code >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (code & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(code));
    }
  }
  return out;
}

void append_number(std::string& out, const nlohmann::json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) {
    out += value.dump();
    return;
  }
  double number = value.get<double>();
  if (!std::isfinite(number)) fail(ExitCode::bad_input, "cannot canonicalize a non-finite number");
  // ECMAScript prints integral values below 1e21 without fraction or exponent.
  if (number == std::trunc(number) && std::fabs(number) < 1e21) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", number);
    out += (std::string(buffer) == "-0") ? "0" : buffer;
    return;
  }
  // nlohmann prints the shortest round-trip digits; ECMAScript writes "1e-7" where
  // nlohmann writes "1e-07", so drop exponent zero padding.
  std::string text = value.dump();
  auto e = text.find('e');
  if (e != std::string::npos) {
    std::string mantissa = text.substr(0, e);
    if (mantissa.size() > 2 && mantissa.ends_with(".0")) mantissa.resize(mantissa.size() - 2);
    std::string exponent = text.substr(e + 1);
    char sign = '+';
    if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) {
      sign = exponent[0];
      exponent.erase(0, 1);
    }
    exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
    text = mantissa + "e" + sign + exponent;
  }
  out += text;
}

void append_canonical(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(value.size());
      for (auto it = value.begin(); it != value.end(); ++it) keys.emplace_back(utf16_units(it.key()), &it.key());
      std::sort(keys.begin(), keys.end());
      out += '{';
      bool first = true;
      for (const auto& [units, key] : keys) {
        if (!first) out += ',';
        first = false;
        out += nlohmann::json(*key).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
        out += ':';
        append_canonical(out, value.at(*key));
      }
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value) {
        if (!first) out += ',';
        first = false;
        append_canonical(out, item);
      }
      out += ']';
      return;
    }
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      append_number(out, value);
      return;
    default:
      out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  }
}

}  // namespace

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  append_canonical(out, value);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string canonical_hash(const nlohmann::json& value) { return sha256_hex(canonical_json(value)); }

}  // namespace sheratan
