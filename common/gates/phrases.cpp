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

PhraseSet::PhraseSet(const std::vector<std::string>& phrases) {
  for (const auto& written : phrases) {
    Phrase phrase{words_of(written), written};
    if (phrase.words.empty()) continue;
    by_first_word_[phrase.words.front()].push_back(phrases_.size());
    phrases_.push_back(std::move(phrase));
  }
}

const std::string* PhraseSet::find_in(std::string_view text) const {
  if (phrases_.empty()) return nullptr;
  const auto words = words_of(text);
  for (std::size_t at = 0; at < words.size(); ++at) {
    auto candidates = by_first_word_.find(words[at]);
    if (candidates == by_first_word_.end()) continue;
    for (auto index : candidates->second) {
      const Phrase& phrase = phrases_[index];
      if (at + phrase.words.size() > words.size()) continue;
      bool match = true;
      for (std::size_t i = 1; i < phrase.words.size() && match; ++i)
        match = words[at + i] == phrase.words[i];
      if (match) return &phrase.written;
    }
  }
  return nullptr;
}

}  // namespace sheratan
