#pragma once
// Gate G4's phrase search: phrases match as whole words, in ASCII lower case, with any
// run of other characters (space, '-', '_', punctuation) between words, so that
// "Self-Modify" matches "self modify" and "enforce" does not match "force".
// Hard and soft phrases are searched in one pass over each text.

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sheratan {

class PhraseSet {
 public:
  PhraseSet(const std::vector<std::string>& hard, const std::vector<std::string>& soft);

  struct Found {
    const std::string* hard = nullptr;  // the first hard phrase, as the policy wrote it
    const std::string* soft = nullptr;  // the first soft phrase
  };
  Found find_in(std::string_view text) const;

 private:
  struct Phrase {
    std::vector<std::string> words;
    std::string written;
    bool hard;
  };
  // Looked up by string_view without making a string (C++20 heterogeneous lookup).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  void add(const std::string& written, bool hard);
  std::vector<Phrase> phrases_;
  std::unordered_map<std::string, std::vector<std::size_t>, Hash, std::equal_to<>> by_first_word_;
};

/// The words of a text, as PhraseSet compares them.
std::vector<std::string> words_of(std::string_view text);

}  // namespace sheratan
