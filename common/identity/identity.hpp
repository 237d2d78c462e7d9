#pragma once
// A host's identity: an Ed25519 key pair (libsodium) kept in a small JSON file, and
// the signing and checking of heartbeats with it.
// Key file: {"type":"ed25519","public_key":B64,"secret_key":B64,"created":RFC3339}
// (standard base64 with padding; the secret key is libsodium's 64-byte form, seed and
// public key). It is written 0600 through a temporary file in the same folder, so that
// a reader sees the old file or the new one, never a part.
// A heartbeat is a JSON object {host, ts, counter, public_key, status?, facts?,
// signature}: the signature is Ed25519 over the RFC 8785 canonical form of the object
// without its "signature" field, so that key order and whitespace do not matter.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"

namespace sheratan {

using PublicKey = std::array<unsigned char, 32>;

class Identity {
 public:
  /// A new key pair from the system's random source.
  static Identity generate();
  /// Reads a key file. Throws Error: failed when it cannot be read, bad_input when it
  /// is not a key file (naming the path and the field).
  static Identity load(const std::string& path);
  ~Identity();
  Identity(const Identity& other) = default;
  Identity& operator=(const Identity& other) = default;

  /// Writes the key file: mode 0600, atomically; an existing file is replaced only
  /// with force (else Error(conflict)).
  void save(const std::string& path, bool force, EpochMillis created) const;

  const PublicKey& public_key() const { return public_; }
  std::string public_key_base64() const;
  /// The detached Ed25519 signature of bytes, base64.
  std::string sign(std::string_view bytes) const;

 private:
  Identity() = default;
  PublicKey public_{};
  std::array<unsigned char, 64> secret_{};
};

std::string to_base64(const unsigned char* bytes, std::size_t size);
/// Decodes standard base64 into exactly `size` bytes; false when the text is not that.
bool from_base64(std::string_view text, unsigned char* out, std::size_t size);

/// "SHA256:" and the lowercase hex SHA-256 of the raw public key, as shown for a
/// pinned key (the form ssh-keygen -l uses, but hex).
std::string key_fingerprint(const PublicKey& key);

/// What a heartbeat says, before it is signed.
struct HeartbeatFields {
  std::string host;
  EpochMillis ts = 0;
  std::int64_t counter = 0;
  std::optional<std::string> status;  // "ok" when not told otherwise by the sender
  std::optional<Json> facts;          // any JSON object
};

/// The signed heartbeat: the fields, public_key and signature.
Json sign_heartbeat(const HeartbeatFields& fields, const Identity& identity);

/// A heartbeat as received, its form checked (unknown fields, types, host name,
/// base64 lengths); the signature is not checked yet.
struct Heartbeat {
  HeartbeatFields fields;
  PublicKey public_key{};
  std::string public_key_base64;
  std::array<unsigned char, 64> signature{};
  Json body;  // the object as received
};

/// Checks the form; throws Error(bad_input) naming the field.
Heartbeat parse_heartbeat(const Json& body);

/// True when the signature is the public key's, over the canonical form of every other
/// field of the body.
bool verify_heartbeat(const Heartbeat& heartbeat);

/// The bytes a heartbeat's signature covers: the canonical JSON of body without
/// "signature".
std::string heartbeat_signed_bytes(const Json& body);

}  // namespace sheratan
