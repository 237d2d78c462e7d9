// Unit tests for common/worker/exec_run: which commands skip the shell.
#include <catch2/catch.hpp>

#include "worker/exec_run.hpp"

using sheratan::plain_command_words;
using Words = std::vector<std::string>;

TEST_CASE("a plain command runs as its words, without a shell") {
  CHECK(plain_command_words("/bin/true") == Words{"/bin/true"});
  CHECK(plain_command_words("  python3   handler.py --mode=fast  ") == Words{"python3", "handler.py", "--mode=fast"});
  CHECK(plain_command_words("./resize -q 50% a,b user@host:8080") ==
        Words{"./resize", "-q", "50%", "a,b", "user@host:8080"});
}

TEST_CASE("anything the shell gives a meaning to goes through sh -c") {
  for (const char* command : {"a | b",    "a > out", "a; b",   "a && b",  "echo $HOME",  "a 'quoted'", "a \"quoted\"",
                              "ls *.txt", "ls ?",    "a [x]",  "~/bin/a", "a # comment", "a\tb",       "a\nb",
                              "a\\ b",    "(a)",     "{ a; }", "a &",     "!a",          "`a`"})
    CHECK_FALSE(plain_command_words(command));
}

TEST_CASE("builtins, keywords and assignments need the shell") {
  for (const char* command : {"exit 75", "true", "cd /tmp", "echo hi", "FOO=1 prog", "if", "exec prog", ". ./env", ""})
    CHECK_FALSE(plain_command_words(command));
  CHECK(plain_command_words("/bin/echo hi") == Words{"/bin/echo", "hi"});
}
