#include "store/ids.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>

namespace sheratan {
namespace {

// Monotonic within this thread: the 12-bit counter ("rand_a") steps within one
// millisecond so that ids made in the same millisecond still sort in order.
struct Sequence {
  EpochMillis last_ms = -1;
  std::uint16_t counter = 0;
};

}  // namespace

std::string new_uuid_v7(EpochMillis now) {
  thread_local Sequence sequence;
  if (now <= sequence.last_ms) {
    if (++sequence.counter > 0x0FFF) {  // counter spent: borrow the next millisecond
      sequence.counter = 0;
      ++sequence.last_ms;
    }
    now = sequence.last_ms;
  } else {
    sequence.last_ms = now;
    sequence.counter = static_cast<std::uint16_t>(randombytes_uniform(0x0800));
  }
  std::array<unsigned char, 16> bytes{};
  randombytes_buf(bytes.data() + 8, 8);
  auto ms = static_cast<std::uint64_t>(now);
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<unsigned char>(0x70 | (sequence.counter >> 8));
  bytes[7] = static_cast<unsigned char>(sequence.counter & 0xFF);
  bytes[8] = static_cast<unsigned char>(0x80 | (bytes[8] & 0x3F));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0F];
  }
  return out;
}

std::string new_random_token() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace sheratan
