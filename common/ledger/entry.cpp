#include "ledger/entry.hpp"

#include <cstdint>

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

JournalEntry parse_journal_entry(const Json& value) {
  if (!value.is_object())
    fail(ExitCode::bad_input, std::string("a journal entry must be a JSON object, not ") + json_type_name(value));
  JournalEntry entry;
  bool has_seq = false, has_type = false, has_id = false, has_ts = false, has_prev = false, has_hash = false;
  // Not a structured binding: clang before 16 cannot capture one in the lambdas below.
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& key = it.key();
    const Json& field = it.value();
    auto text = [&]() -> const std::string& {
      if (!field.is_string())
        fail(ExitCode::bad_input, "field " + quote(key) + " must be a string, not " + json_type_name(field));
      return field.get_ref<const std::string&>();
    };
    // Null fields are left out of the canonical form, so null and absent hash alike.
    auto optional_text = [&]() -> std::optional<std::string> {
      if (field.is_null()) return std::nullopt;
      return text();
    };
    // A field's own message names the value ("amount '1.23456' has ..."); say whose it is.
    auto in_field = [&](auto&& parse) {
      const std::string& field_text = text();
      try {
        return parse(field_text);
      } catch (const Error& error) {
        fail(ExitCode::bad_input, "field " + quote(key) + ": " + error.what());
      }
    };
    if (key == "seq") {
      // nlohmann reads a non-negative integer as unsigned: anything past int64 is refused here.
      if (!field.is_number_unsigned() || field.get<std::uint64_t>() == 0 ||
          field.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        fail(ExitCode::bad_input, "field 'seq' must be a positive integer, not " + field.dump());
      entry.seq = static_cast<std::int64_t>(field.get<std::uint64_t>());
      has_seq = true;
    } else if (key == "type") {
      entry.type = in_field([](const std::string& name) { return parse_entry_type(name); });
      has_type = true;
    } else if (key == "id") {
      entry.id = text();
      has_id = true;
    } else if (key == "from") {
      entry.from = optional_text();
    } else if (key == "to") {
      entry.to = optional_text();
    } else if (key == "reason") {
      entry.reason = optional_text();
    } else if (key == "job") {
      entry.job = optional_text();
    } else if (key == "kind") {
      entry.kind = optional_text();
    } else if (key == "amount") {
      if (!field.is_null()) entry.amount = in_field([](const std::string& money) { return parse_money(money); });
    } else if (key == "expires") {
      if (!field.is_null()) entry.expires_at = in_field([](const std::string& time) { return parse_rfc3339(time); });
    } else if (key == "ts") {
      entry.ts = in_field([](const std::string& time) { return parse_rfc3339(time); });
      has_ts = true;
    } else if (key == "prev_hash") {
      entry.prev_hash = text();
      has_prev = true;
    } else if (key == "hash") {
      entry.hash = text();
      has_hash = true;
    } else {
      fail(ExitCode::bad_input, "field " + quote(key) + " is not part of a journal entry");
    }
  }
  for (auto [present, name] : {std::pair{has_seq, "seq"},
                               {has_type, "type"},
                               {has_id, "id"},
                               {has_ts, "ts"},
                               {has_prev, "prev_hash"},
                               {has_hash, "hash"}})
    if (!present) fail(ExitCode::bad_input, std::string("field ") + quote(name) + " is missing");
  return entry;
}

}  // namespace sheratan::ledger
