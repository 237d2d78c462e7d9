#pragma once
// Gate G4's phrase search: phrases match as whole words, in ASCII lower case, with any
// run of other characters (space, '-', '_', punctuation) between words, so that
// "Self-Modify" matches "self modify" and "enforce" does not match "force".

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sheratan {

class PhraseSet {
 public:
  explicit PhraseSet(const std::vector<std::string>& phrases);

  /// The first phrase found in the text (as the policy wrote it), or nullptr.
  const std::string* find_in(std::string_view text) const;

 private:
  struct Phrase {
    std::vector<std::string> words;
    std::string written;
  };
  std::vector<Phrase> phrases_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_first_word_;
};

/// The words of a text, as PhraseSet compares them.
std::vector<std::string> words_of(std::string_view text);

}  // namespace sheratan
