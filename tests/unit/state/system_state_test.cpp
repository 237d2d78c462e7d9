// Unit tests for common/state/system_state: the transition table of ORIGIN.md plus
// PAUSED → DEGRADED.
#include "state/system_state.hpp"

#include <catch2/catch.hpp>

#include "support/test_support.hpp"

using namespace sheratan;
using sheratan::testing::error_of;

TEST_CASE("every allowed and forbidden pair of the transition table") {
  using S = SystemState;
  const S all[] = {S::operational, S::degraded, S::reflective, S::recovery, S::paused};
  const std::vector<std::pair<S, S>> allowed = {
      {S::paused, S::recovery},      {S::paused, S::operational},     {S::paused, S::degraded},
      {S::operational, S::degraded}, {S::operational, S::reflective}, {S::operational, S::recovery},
      {S::operational, S::paused},   {S::degraded, S::operational},   {S::degraded, S::reflective},
      {S::degraded, S::recovery},    {S::degraded, S::paused},        {S::reflective, S::operational},
      {S::reflective, S::degraded},  {S::reflective, S::recovery},    {S::reflective, S::paused},
      {S::recovery, S::operational}, {S::recovery, S::degraded},      {S::recovery, S::paused},
  };
  for (S from : all)
    for (S to : all) {
      bool expected = std::find(allowed.begin(), allowed.end(), std::pair{from, to}) != allowed.end();
      INFO(std::string(to_string(from)) + " -> " + std::string(to_string(to)));
      CHECK(transition_allowed(from, to) == expected);
    }
  CHECK(join_states(allowed_targets(S::recovery)) == "OPERATIONAL, DEGRADED, PAUSED");
  CHECK(join_states(allowed_targets(S::paused)) == "RECOVERY, OPERATIONAL, DEGRADED");
}

TEST_CASE("states parse in any case; anything else is a usage error naming it") {
  CHECK(parse_system_state("paused") == SystemState::paused);
  CHECK(parse_system_state("Degraded") == SystemState::degraded);
  CHECK(to_string(SystemState::reflective) == "REFLECTIVE");
  CHECK_FALSE(parse_system_state("sleeping"));
  auto error = error_of([] { require_system_state("sleeping"); });
  CHECK(error.code() == ExitCode::usage);
  CHECK(std::string(error.what()).find("'sleeping'") != std::string::npos);
}
