#include "store/ids.hpp"

#include <sodium.h>

#include <algorithm>
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

// Random bytes from the kernel, fetched 4 KiB at a time: one getrandom() per ~250
// ids instead of one per id, with the same quality of randomness. The first fill is
// 256 bytes (one getrandom() call; 4 KiB take sixteen): a one-shot tool makes a few ids.
void random_bytes(unsigned char* out, std::size_t size) {
  thread_local std::array<unsigned char, 4096> pool;
  thread_local std::size_t end = 0;  // the filled part of the pool
  thread_local std::size_t used = 0;
  if (used + size > end) {
    end = end == 0 && size <= 256 ? 256 : pool.size();
    randombytes_buf(pool.data(), end);
    used = 0;
  }
  std::copy_n(pool.data() + used, size, out);
  sodium_memzero(pool.data() + used, size);  // a byte handed out is never handed out again
  used += size;
}

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
    unsigned char start[2];
    random_bytes(start, sizeof start);
    sequence.counter = static_cast<std::uint16_t>((start[0] << 8 | start[1]) & 0x07FF);
  }
  std::array<unsigned char, 16> bytes{};
  random_bytes(bytes.data() + 8, 8);
  auto ms = static_cast<std::uint64_t>(now);
  for (int i = 0; i < 6; ++i)
    bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<unsigned char>(0x70 | (sequence.counter >> 8));
  bytes[7] = static_cast<unsigned char>(sequence.counter & 0xFF);
  bytes[8] = static_cast<unsigned char>(0x80 | (bytes[8] & 0x3F));
  // Written into a buffer first: appending 36 characters one by one took a third of
  // this function's instructions, and a bulk push makes an id per job.
  static constexpr char kHex[] = "0123456789abcdef";
  char text[36];
  std::size_t at = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text[at++] = '-';
    text[at++] = kHex[bytes[i] >> 4];
    text[at++] = kHex[bytes[i] & 0x0F];
  }
  return std::string(text, sizeof text);
}

std::string new_random_token() {
  unsigned char bytes[16];
  random_bytes(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace sheratan
