#include "gates/phrases.hpp"

namespace sheratan {
namespace {

// Letters and digits make words; bytes of UTF-8 sequences do too, so that a word with
// a non-ASCII letter stays one word rather than splitting into ASCII pieces.
bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

char lower(unsigned char c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

}  // namespace

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (is_word_byte(byte)) {
      word += lower(byte);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

PhraseSet::PhraseSet(const std::vector<std::string>& hard, const std::vector<std::string>& soft) {
  for (const auto& written : hard)
    add(written, true);
  for (const auto& written : soft)
    add(written, false);
}

void PhraseSet::add(const std::string& written, bool hard) {
  Phrase phrase{words_of(written), written, hard};
  if (phrase.words.empty()) return;
  by_first_word_[phrase.words.front()].push_back(phrases_.size());
  phrases_.push_back(std::move(phrase));
}

PhraseSet::Found PhraseSet::find_in(std::string_view text) const {
  Found found;
  if (phrases_.empty()) return found;
  // Words as views into one lowered copy; both buffers keep their capacity from one
  // call to the next, so that a push of many jobs allocates nothing here.
  thread_local std::string lowered;
  thread_local std::vector<std::string_view> words;
  lowered.assign(text);
  for (auto& c : lowered)
    c = lower(static_cast<unsigned char>(c));
  words.clear();
  for (std::size_t at = 0; at < lowered.size();) {
    if (!is_word_byte(static_cast<unsigned char>(lowered[at]))) {
      ++at;
      continue;
    }
    std::size_t end = at;
    while (end < lowered.size() && is_word_byte(static_cast<unsigned char>(lowered[end])))
      ++end;
    words.emplace_back(lowered.data() + at, end - at);
    at = end;
  }
  for (std::size_t at = 0; at < words.size() && !found.hard; ++at) {
    auto candidates = by_first_word_.find(words[at]);
    if (candidates == by_first_word_.end()) continue;
    for (auto index : candidates->second) {
      const Phrase& phrase = phrases_[index];
      if (at + phrase.words.size() > words.size() || (phrase.hard ? found.hard : found.soft)) continue;
      bool match = true;
      for (std::size_t i = 1; i < phrase.words.size() && match; ++i)
        match = words[at + i] == phrase.words[i];
      if (match) (phrase.hard ? found.hard : found.soft) = &phrase.written;
    }
  }
  return found;
}

}  // namespace sheratan
