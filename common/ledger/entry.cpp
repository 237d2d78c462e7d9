#include "ledger/entry.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/canonical.hpp"

namespace sheratan::ledger {

const char* to_string(EntryType type) {
  switch (type) {
    case EntryType::open:
      return "open";
    case EntryType::transfer:
      return "transfer";
    case EntryType::hold:
      return "hold";
    case EntryType::post:
      return "post";
    case EntryType::void_hold:
      return "void";
    case EntryType::expire:
      return "expire";
  }
  return "?";
}

EntryType parse_entry_type(std::string_view name) {
  for (auto type : {EntryType::open, EntryType::transfer, EntryType::hold, EntryType::post, EntryType::void_hold,
                    EntryType::expire})
    if (name == to_string(type)) return type;
  fail(ExitCode::bad_input, "entry type " + quote(name) + " is unknown");
}

namespace {

bool needs_escape(char c) {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

void append_escaped(std::string& out, char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      out += "\\u00";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  // Ids, accounts and reasons rarely hold a character to escape: copy runs at once.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!needs_escape(text[i])) continue;
    out.append(text.data() + run, i - run);
    append_escaped(out, text[i]);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

namespace {

// Keys in RFC 8785 order (all ASCII, so byte order): amount, expires, from, hash, id,
// job, kind, prev_hash, reason, seq, to, ts, type. Without the hash, id_key is where
// the separator before "id" stands, so that the hash can be put in front of it.
std::string build(const JournalEntry& entry, bool with_hash, std::size_t* id_key = nullptr) {
  std::string out;
  out.reserve(384);
  char separator = '{';
  auto key = [&](std::string_view name) {
    out += separator;
    separator = ',';
    out += '"';
    out += name;
    out += "\":";
  };
  auto text = [&](std::string_view name, std::string_view value) {
    key(name);
    append_json_string(out, value);
  };
  if (entry.amount) text("amount", format_money(*entry.amount));
  if (entry.expires_at) text("expires", format_rfc3339(*entry.expires_at));
  if (entry.from) text("from", *entry.from);
  if (with_hash) text("hash", entry.hash);
  if (id_key) *id_key = out.size();
  text("id", entry.id);
  if (entry.job) text("job", *entry.job);
  if (entry.kind) text("kind", *entry.kind);
  text("prev_hash", entry.prev_hash);
  if (entry.reason) text("reason", *entry.reason);
  key("seq");
  out += std::to_string(entry.seq);
  if (entry.to) text("to", *entry.to);
  text("ts", format_rfc3339(entry.ts));
  text("type", to_string(entry.type));
  out += '}';
  return out;
}

}  // namespace

std::string JournalEntry::canonical_text() const {
  return build(*this, false);
}

std::string JournalEntry::compute_hash() const {
  return sha256_hex(canonical_text());
}

std::string JournalEntry::seal() {
  std::size_t id_key = 0;
  std::string printed = build(*this, false, &id_key);
  hash = sha256_hex(printed);
  printed.insert(id_key + 1, "\"hash\":\"" + hash + "\",");
  return printed;
}

std::string JournalEntry::printed_text() const {
  return build(*this, true);
}

Json JournalEntry::to_json() const {
  return Json::parse(build(*this, true));
}

}  // namespace sheratan::ledger
