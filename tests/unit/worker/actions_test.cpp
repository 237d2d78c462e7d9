// Unit tests for common/worker/actions: the sandbox, file actions, outcomes.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>

#include "support/test_support.hpp"
#include "worker/action_run.hpp"
#include "worker/actions/action.hpp"
#include "worker/chain.hpp"
#include "worker/exec_run.hpp"

using sheratan::ActionContext;
using sheratan::Json;
using sheratan::RunOutcome;
using sheratan::Sandbox;
using sheratan::testing::TempDir;

namespace {

void write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name)) << text;
}

std::string read(const TempDir& dir, const std::string& name) {
  std::ifstream in(dir.file(name));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

RunOutcome run(const char* kind, const Json& params, const Sandbox& root) {
  std::atomic<bool> stop{false};
  ActionContext context{root, stop, 5'000};
  return sheratan::run_action(*sheratan::find_action(kind), params, context);
}

}  // namespace

TEST_CASE("check_relative refuses absolute paths, '..' and empty paths") {
  CHECK_NOTHROW(Sandbox::check_relative("a/b.txt"));
  CHECK_NOTHROW(Sandbox::check_relative("a/..b/c"));
  CHECK_THROWS_WITH(Sandbox::check_relative("/etc/passwd"), Catch::Contains("is absolute"));
  CHECK_THROWS_WITH(Sandbox::check_relative("a/../../b"), Catch::Contains("contains '..'"));
  CHECK_THROWS_WITH(Sandbox::check_relative(".."), Catch::Contains("contains '..'"));
  CHECK_THROWS_WITH(Sandbox::check_relative(""), Catch::Contains("must not be empty"));
}

TEST_CASE("a symlink out of the root is refused; one inside is followed") {
  TempDir outside, dir;
  write(outside, "secret", "s");
  write(dir, "a.txt", "inside");
  REQUIRE(::symlink(outside.file("secret").c_str(), dir.file("out").c_str()) == 0);
  REQUIRE(::symlink("a.txt", dir.file("in").c_str()) == 0);
  Sandbox root(dir.path().string());
  RunOutcome refused = run("read_file", {{"path", "out"}}, root);
  CHECK(refused.kind == RunOutcome::Kind::failed);
  CHECK(refused.error == "path 'out' leads out of the root (through a symlink)");
  RunOutcome followed = run("read_file", {{"path", "in"}}, root);
  REQUIRE(followed.kind == RunOutcome::Kind::done);
  CHECK(followed.result["content"] == "inside");
}

TEST_CASE("write_file replaces a file whole and leaves no temporary file") {
  TempDir dir;
  write(dir, "f", "old content");
  Sandbox root(dir.path().string());
  REQUIRE(run("write_file", {{"path", "f"}, {"content", "new"}}, root).kind == RunOutcome::Kind::done);
  CHECK(read(dir, "f") == "new");
  REQUIRE(run("write_file", {{"path", "f"}, {"content", "+1"}, {"mode", "append"}}, root).kind ==
          RunOutcome::Kind::done);
  CHECK(read(dir, "f") == "new+1");
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++entries;
  CHECK(entries == 1);
}

TEST_CASE("patch_file applies all ops or none") {
  TempDir dir;
  write(dir, "f", "one\ntwo\nthree\n");
  Sandbox root(dir.path().string());
  Json ops = Json::array(
      {Json{{"op", "replace"}, {"old", "two"}, {"new", "2"}}, Json{{"op", "insert"}, {"line", 4}, {"text", "four\n"}},
       Json{{"op", "insert"}, {"line", 1}, {"text", "zero\n"}}, Json{{"op", "delete"}, {"old", "three\n"}}});
  REQUIRE(run("patch_file", {{"path", "f"}, {"ops", ops}}, root).kind == RunOutcome::Kind::done);
  CHECK(read(dir, "f") == "zero\none\n2\nfour\n");
  Json bad = Json::array(
      {Json{{"op", "replace"}, {"old", "one"}, {"new", "1"}}, Json{{"op", "insert"}, {"line", 99}, {"text", "x"}}});
  RunOutcome refused = run("patch_file", {{"path", "f"}, {"ops", bad}}, root);
  CHECK(refused.kind == RunOutcome::Kind::failed);
  CHECK_THAT(refused.error, Catch::Contains("op 2: line 99 is past the end"));
  CHECK(read(dir, "f") == "zero\none\n2\nfour\n");
  write(dir, "g", "x x");
  RunOutcome ambiguous =
      run("patch_file", {{"path", "g"}, {"ops", Json::array({{{"op", "delete"}, {"old", "x"}}})}}, root);
  CHECK_THAT(ambiguous.error, Catch::Contains("occurs more than once"));
}

TEST_CASE("read_file cuts at a character boundary and counts characters and lines") {
  TempDir dir;
  write(dir, "u", "h\xC3\xA9llo\nworld");
  Sandbox root(dir.path().string());
  RunOutcome whole = run("read_file", {{"path", "u"}}, root);
  CHECK(whole.result["chars"] == 11);
  CHECK(whole.result["lines"] == 2);
  RunOutcome cut = run("read_file", {{"path", "u"}, {"max_bytes", 2}}, root);
  CHECK(cut.result["content"] == "h");
  CHECK(cut.result["truncated"] == true);
}

TEST_CASE("unknown and mistyped params are refused by name") {
  TempDir dir;
  Sandbox root(dir.path().string());
  CHECK(run("read_file", {{"path", 3}}, root).error == "params.path must be a string, not integer");
  CHECK_THAT(run("list_files", {{"recurse", true}}, root).error, Catch::StartsWith("params.recurse is unknown"));
  CHECK_THAT(run("http", {{"url", "file:///etc/passwd"}}, root).error, Catch::Contains("url 'file:///etc/passwd'"));
}

TEST_CASE("a program's exit status decides the outcome") {
  using sheratan::outcome_of_exit;
  CHECK(outcome_of_exit(0, 0, "{\"a\":1}\n", "", false).result == Json{{"a", 1}});
  CHECK(outcome_of_exit(0, 0, "text\n", "", false).result == Json{{"stdout", "text\n"}});
  CHECK(outcome_of_exit(0, 0, "", "", false).result.is_null());
  CHECK(outcome_of_exit(75, 0, "", "later\n", false).kind == RunOutcome::Kind::retry);
  RunOutcome failed = outcome_of_exit(2, 0, "", "noise\nreason\n", false);
  CHECK(failed.kind == RunOutcome::Kind::failed);
  CHECK(failed.error == "exit status 2: noise\nreason");
  CHECK(outcome_of_exit(0, 9, "", "", false).kind == RunOutcome::Kind::retry);
  CHECK(outcome_of_exit(0, 0, "\xFF\n", "", false).result["stdout"] == "\xEF\xBF\xBD\n");
}

TEST_CASE("text_tail keeps whole characters") {
  CHECK(sheratan::text_tail("ab\xC3\xA9", 1).empty());
  CHECK(sheratan::text_tail("  hello  ", 100) == "hello");
  CHECK(sheratan::text_tail("0123456789", 3) == "789");
}

TEST_CASE("followup_key is lcp: plus SHA-256 of the canonical {parent_job_id, kind, params}") {
  std::string key = sheratan::followup_key("p1", "read_file", {{"path", "a"}});
  CHECK(key.starts_with("lcp:"));
  CHECK(key.size() == 4 + 64);
  CHECK(key == sheratan::followup_key("p1", "read_file", Json::parse(R"({"path":"a"})")));
  CHECK(key != sheratan::followup_key("p2", "read_file", {{"path", "a"}}));
  CHECK(sheratan::is_lcp_envelope(Json::parse(R"({"lcp_version":"1","type":"final_answer"})")));
  CHECK_FALSE(sheratan::is_lcp_envelope(Json::parse(R"({"lcp_version":1,"type":"final_answer"})")));
}
