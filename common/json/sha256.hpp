#pragma once
// SHA-256 for the hash chains (every journal entry is hashed when it is written, when
// it is verified and when a replica applies it). With the CPU's SHA extensions
// (x86-64 SHA-NI) an entry hashes in a tenth of the time libsodium's portable code
// takes; without them libsodium does the work. Both give the same digest.

#include <array>
#include <string_view>

namespace sheratan {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::string_view bytes);

/// The portable computation (libsodium), whatever the CPU: for tests to compare with.
Sha256Digest sha256_portable(std::string_view bytes);

/// Whether sha256() uses the CPU's SHA extensions on this machine.
bool sha256_uses_cpu_extensions();

}  // namespace sheratan
