#include "identity/identity.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/canonical.hpp"
#include "probe/host.hpp"

namespace sheratan {

namespace {

void ensure_sodium() {
  // sodium_init is safe to call again and from any thread; it returns 1 when done before.
  if (sodium_init() < 0) fail(ExitCode::failed, "cannot initialise libsodium");
}

/// A descriptor closed when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(ExitCode::failed, "cannot write " + quote(path) + ": " + system_error_text(errno));
    done += static_cast<std::size_t>(n);
  }
}

void sync_folder(const std::string& folder) {
  Fd dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) ::fsync(dir.fd);
}

std::string key_text(const Json& object, const char* field, const std::string& path) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string())
    fail(ExitCode::bad_input, quote(path) + ": field " + quote(field) + " must be a base64 string");
  return it->get<std::string>();
}

}  // namespace

std::string to_base64(const unsigned char* bytes, std::size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool from_base64(std::string_view text, unsigned char* out, std::size_t size) {
  std::size_t written = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out, size, text.data(), text.size(), nullptr, &written, &end, sodium_base64_VARIANT_ORIGINAL) !=
      0)
    return false;
  return written == size && end == text.data() + text.size();
}

std::string key_fingerprint(const PublicKey& key) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), key.data(), key.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string("SHA256:") + hex.data();
}

Identity Identity::generate() {
  ensure_sodium();
  Identity identity;
  crypto_sign_keypair(identity.public_.data(), identity.secret_.data());
  return identity;
}

Identity::~Identity() {
  sodium_memzero(secret_.data(), secret_.size());
}

Identity Identity::load(const std::string& path) {
  ensure_sodium();
  std::ifstream in(path);
  if (!in) fail(ExitCode::failed, "cannot read " + quote(path) + ": " + system_error_text(errno));
  std::stringstream text;
  text << in.rdbuf();
  Json object;
  try {
    object = Json::parse(text.str());
  } catch (const Json::parse_error&) {
    fail(ExitCode::bad_input, quote(path) + " is not a key file (not JSON)");
  }
  if (!object.is_object() || object.value("type", "") != "ed25519")
    fail(ExitCode::bad_input, quote(path) + " is not a key file (no \"type\":\"ed25519\")");
  Identity identity;
  if (!from_base64(key_text(object, "public_key", path), identity.public_.data(), identity.public_.size()))
    fail(ExitCode::bad_input, quote(path) + ": public_key is not 32 bytes of base64");
  if (!from_base64(key_text(object, "secret_key", path), identity.secret_.data(), identity.secret_.size()))
    fail(ExitCode::bad_input, quote(path) + ": secret_key is not 64 bytes of base64");
  // The secret key holds its public half: a file whose halves disagree would sign with
  // one key while claiming the other.
  PublicKey derived{};
  crypto_sign_ed25519_sk_to_pk(derived.data(), identity.secret_.data());
  if (sodium_memcmp(derived.data(), identity.public_.data(), derived.size()) != 0)
    fail(ExitCode::bad_input, quote(path) + ": public_key does not belong to secret_key");
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0)
    print_warning("key file " + quote(path) + " can be read by others (chmod 600 it)");
  return identity;
}

void Identity::save(const std::string& path, bool force, EpochMillis created) const {
  namespace fs = std::filesystem;
  if (!force && fs::exists(fs::symlink_status(path)))
    fail(ExitCode::conflict, quote(path) + " exists (give --force to replace it)");
  std::string folder = fs::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  std::string temp = (fs::path(folder) / ("." + fs::path(path).filename().string() + ".XXXXXX")).string();
  Fd file{::mkostemp(temp.data(), O_CLOEXEC)};  // mode 0600, whatever the umask
  if (file.fd < 0) fail(ExitCode::failed, "cannot write in " + quote(folder) + ": " + system_error_text(errno));
  try {
    Json record{{"type", "ed25519"},
                {"public_key", public_key_base64()},
                {"secret_key", to_base64(secret_.data(), secret_.size())},
                {"created", format_rfc3339(created)}};
    std::string text = record.dump() + "\n";
    write_all(file.fd, text, temp);
    sodium_memzero(text.data(), text.size());
    if (::fsync(file.fd) != 0) fail(ExitCode::failed, "cannot write " + quote(temp) + ": " + system_error_text(errno));
    // link() refuses an existing name, so a file made meanwhile is not replaced either.
    int placed = force ? ::rename(temp.c_str(), path.c_str()) : ::link(temp.c_str(), path.c_str());
    if (placed != 0) {
      int error = errno;
      if (error == EEXIST) fail(ExitCode::conflict, quote(path) + " exists (give --force to replace it)");
      fail(ExitCode::failed, "cannot write " + quote(path) + ": " + system_error_text(error));
    }
    if (!force) ::unlink(temp.c_str());
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  sync_folder(folder);
}

std::string Identity::public_key_base64() const {
  return to_base64(public_.data(), public_.size());
}

std::string Identity::sign(std::string_view bytes) const {
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                       secret_.data());
  return to_base64(signature.data(), signature.size());
}

std::string heartbeat_signed_bytes(const Json& body) {
  Json unsigned_body = body;
  unsigned_body.erase("signature");
  return canonical_json(unsigned_body);
}

Json sign_heartbeat(const HeartbeatFields& fields, const Identity& identity) {
  Json body{{"host", fields.host},
            {"ts", format_rfc3339(fields.ts)},
            {"counter", fields.counter},
            {"public_key", identity.public_key_base64()}};
  if (fields.status) body["status"] = *fields.status;
  if (fields.facts) body["facts"] = *fields.facts;
  body["signature"] = identity.sign(heartbeat_signed_bytes(body));
  return body;
}

namespace {

const Json& field_of(const Json& body, const char* name, bool (Json::*is_type)() const noexcept, const char* type) {
  auto it = body.find(name);
  if (it == body.end()) fail(ExitCode::bad_input, "heartbeat field " + quote(name) + " is missing");
  if (!((*it).*is_type)()) fail(ExitCode::bad_input, "heartbeat field " + quote(name) + " must be " + type);
  return *it;
}

}  // namespace

Heartbeat parse_heartbeat(const Json& body) {
  if (!body.is_object()) fail(ExitCode::bad_input, "a heartbeat must be a JSON object");
  for (const auto& [key, value] : body.items())
    if (key != "host" && key != "ts" && key != "counter" && key != "public_key" && key != "status" && key != "facts" &&
        key != "signature")
      fail(ExitCode::bad_input, "unknown heartbeat field " + quote(key));
  Heartbeat heartbeat;
  heartbeat.body = body;
  heartbeat.fields.host = field_of(body, "host", &Json::is_string, "a string").get<std::string>();
  check_host_name(heartbeat.fields.host);
  heartbeat.fields.ts = parse_rfc3339(field_of(body, "ts", &Json::is_string, "an RFC 3339 time").get<std::string>());
  const Json& counter = field_of(body, "counter", &Json::is_number_integer, "an integer");
  // Beyond 2^53 a number is not exact in every JSON reader, and so not in the canonical form.
  constexpr std::int64_t kMaxCounter = (std::int64_t{1} << 53) - 1;
  if (counter.is_number_unsigned() ? counter.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxCounter)
                                   : (counter.get<std::int64_t>() < 0 || counter.get<std::int64_t>() > kMaxCounter))
    fail(ExitCode::bad_input, "heartbeat field 'counter' must be 0 to 2^53-1");
  heartbeat.fields.counter = counter.get<std::int64_t>();
  heartbeat.public_key_base64 = field_of(body, "public_key", &Json::is_string, "a string").get<std::string>();
  if (!from_base64(heartbeat.public_key_base64, heartbeat.public_key.data(), heartbeat.public_key.size()))
    fail(ExitCode::bad_input, "heartbeat field 'public_key' must be 32 bytes in base64");
  auto signature = field_of(body, "signature", &Json::is_string, "a string").get<std::string>();
  if (!from_base64(signature, heartbeat.signature.data(), heartbeat.signature.size()))
    fail(ExitCode::bad_input, "heartbeat field 'signature' must be 64 bytes in base64");
  if (auto it = body.find("status"); it != body.end()) {
    if (!it->is_string()) fail(ExitCode::bad_input, "heartbeat field 'status' must be a string");
    heartbeat.fields.status = it->get<std::string>();
  }
  if (auto it = body.find("facts"); it != body.end()) {
    if (!it->is_object()) fail(ExitCode::bad_input, "heartbeat field 'facts' must be an object");
    heartbeat.fields.facts = *it;
  }
  return heartbeat;
}

bool verify_heartbeat(const Heartbeat& heartbeat) {
  ensure_sodium();
  std::string bytes = heartbeat_signed_bytes(heartbeat.body);
  return crypto_sign_verify_detached(heartbeat.signature.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                     bytes.size(), heartbeat.public_key.data()) == 0;
}

}  // namespace sheratan
