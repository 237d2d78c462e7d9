#include "json/canonical.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "cli/error.hpp"
#include "json/sha256.hpp"

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

// ECMAScript's Number::toString (ECMA-262, 6.1.6.1.20), which RFC 8785 prescribes:
// the shortest digits that round-trip, placed by the decimal exponent.
void append_number(std::string& out, const nlohmann::json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) {
    // Integers beyond 2^53 are written as the double they become, as JavaScript would.
    const double as_double = value.get<double>();
    if (std::fabs(as_double) < 9007199254740992.0) {
      out += value.dump();
      return;
    }
    return append_number(out, nlohmann::json(as_double));
  }
  double number = value.get<double>();
  if (!std::isfinite(number)) fail(ExitCode::bad_input, "cannot canonicalize a non-finite number");
  if (number == 0) {
    out += '0';
    return;
  }
  if (number < 0) {
    out += '-';
    number = -number;
  }
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::scientific);
  (void)error;  // 64 bytes always suffice for a double
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  const auto e = text.find('e');
  std::string digits;
  for (char ch : text.substr(0, e))
    if (ch != '.') digits += ch;
  const int exponent = std::stoi(std::string(text.substr(e + 1)));
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
}

// A JSON string as RFC 8785 writes it; plain text is copied, anything that needs an
// escape goes through nlohmann's serializer, whose escapes are the RFC's.
void append_string(std::string& out, const std::string& text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return byte >= 0x20 && byte < 0x80 && ch != '"' && ch != '\\';
  });
  if (!plain) {
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

void append_canonical(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      // RFC 8785 orders keys by UTF-16 code units. For ASCII keys that is their byte
      // order, so only a key with other characters needs converting.
      struct Member {
        std::u16string units;  // empty unless the key is not ASCII
        const std::string* key;
        const nlohmann::json* value;
      };
      std::vector<Member> members;
      members.reserve(value.size());
      bool ascii = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        members.push_back({{}, &it.key(), &it.value()});
        ascii = ascii && std::all_of(it.key().begin(), it.key().end(),
                                     [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
      }
      // nlohmann's objects are std::maps, so ASCII keys come in byte order already.
      if (!ascii) {
        for (auto& member : members)
          member.units = utf16_units(*member.key);
        std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.units < b.units; });
      }
      out += '{';
      bool first = true;
      for (const auto& member : members) {
        if (!first) out += ',';
        first = false;
        append_string(out, *member.key);
        out += ':';
        append_canonical(out, *member.value);
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
    case nlohmann::json::value_t::string:
      append_string(out, value.get_ref<const std::string&>());
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
  const Sha256Digest digest = sha256(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(digest.size() * 2, '0');
  for (std::size_t i = 0; i < digest.size(); ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

std::string canonical_hash(const nlohmann::json& value) {
  return sha256_hex(canonical_json(value));
}

}  // namespace sheratan
