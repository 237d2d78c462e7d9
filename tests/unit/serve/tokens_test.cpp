// Unit tests for common/serve/tokens: the file format, scopes, lookup by digest, the
// bearer header.
#include "serve/tokens.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "support/test_support.hpp"

using namespace sheratan::serve;
using sheratan::ExitCode;
using sheratan::testing::error_of;
using sheratan::testing::TempDir;

namespace {
const char* kFile =
    "# name scopes token\n"
    "\n"
    "ci      submit,read   ci-token-0123456789abcdef\n"
    "  root\tadmin  root-token-0123456789abcdef  \r\n"
    "ci      submit,read   ci-next-token-0123456789\n"
    "backup  replicate     backup-token-0123456789ab\n";
}

TEST_CASE("a tokens file parses into entries with names and scopes") {
  TokenSet set = TokenSet::parse(kFile, "t");
  CHECK(set.size() == 4);
  const TokenEntry* ci = set.find("ci-token-0123456789abcdef");
  REQUIRE(ci != nullptr);
  CHECK(ci->name == "ci");
  CHECK(ci->line == 3);
  CHECK(ci->scopes.allows(Scope::submit));
  CHECK(ci->scopes.allows(Scope::read));
  CHECK_FALSE(ci->scopes.allows(Scope::work));
  CHECK_FALSE(ci->scopes.allows(Scope::admin));
  // Tabs, extra blanks and a CRLF ending are fine.
  const TokenEntry* root = set.find("root-token-0123456789abcdef");
  REQUIRE(root != nullptr);
  CHECK(root->name == "root");
}

TEST_CASE("admin holds every scope; replicate only its own") {
  TokenSet set = TokenSet::parse(kFile, "t");
  const TokenEntry* root = set.find("root-token-0123456789abcdef");
  for (Scope scope : {Scope::submit, Scope::work, Scope::read, Scope::admin, Scope::replicate})
    CHECK(root->scopes.allows(scope));
  const TokenEntry* backup = set.find("backup-token-0123456789ab");
  CHECK(backup->scopes.allows(Scope::replicate));
  CHECK_FALSE(backup->scopes.allows(Scope::read));
}

TEST_CASE("two tokens of one name are both valid (rotation)") {
  TokenSet set = TokenSet::parse(kFile, "t");
  CHECK(set.find("ci-token-0123456789abcdef")->name == "ci");
  CHECK(set.find("ci-next-token-0123456789")->name == "ci");
}

TEST_CASE("find answers only the exact token") {
  TokenSet set = TokenSet::parse(kFile, "t");
  CHECK(set.find("") == nullptr);
  CHECK(set.find("ci-token-0123456789abcde") == nullptr);    // a prefix
  CHECK(set.find("ci-token-0123456789abcdefX") == nullptr);  // longer
  CHECK(set.find("CI-TOKEN-0123456789ABCDEF") == nullptr);   // case matters
}

TEST_CASE("malformed lines are refused naming the source and the line") {
  auto message = [](const char* text) {
    auto error = error_of([&] { TokenSet::parse(text, "tok"); });
    CHECK(error.code() == ExitCode::bad_input);
    return std::string(error.what());
  };
  CHECK(message("a read\n") == "'tok' line 1: expected NAME SCOPES TOKEN, found 2 fields");
  CHECK(message("# c\na read,owner token-0123456789abcdef\n") ==
        "'tok' line 2: unknown scope 'owner' (submit, work, read, admin, replicate)");
  CHECK(message("a read short\n") == "'tok' line 1: a token must have 16 to 256 characters");
  CHECK(message("a read token-0123456789\xc3\xa9\n") == "'tok' line 1: a token must be printable ASCII without blanks");
  CHECK(message("a read token-0123456789abcdef\nb work token-0123456789abcdef\n") ==
        "'tok' line 2: the token of line 1 is given again");
  CHECK(message("# only a comment\n\n") == "tokens file 'tok' holds no token");
  CHECK(message("a read, token-0123456789abcdef\n").find("unknown scope ''") != std::string::npos);
}

TEST_CASE("load reads a file; a missing one is Error(failed)") {
  TempDir dir;
  std::ofstream(dir.file("tokens")) << "a read token-0123456789abcdef\n";
  CHECK(TokenSet::load(dir.file("tokens")).size() == 1);
  auto error = error_of([&] { TokenSet::load(dir.file("missing")); });
  CHECK(error.code() == ExitCode::failed);
  CHECK(std::string(error.what()).find("cannot read tokens file") == 0);
}

TEST_CASE("bearer_token takes the token of an Authorization header") {
  CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
  CHECK(bearer_token("bearer  abc ") == std::optional<std::string_view>("abc"));
  CHECK_FALSE(bearer_token(""));
  CHECK_FALSE(bearer_token("Bearer "));
  CHECK_FALSE(bearer_token("Basic abc"));
  CHECK_FALSE(bearer_token("Bearerabc"));
}
