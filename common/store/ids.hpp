#pragma once
// Ids for jobs and events: UUIDv7 (RFC 9562), sortable by creation time and unique
// across processes (74 random bits, of which 12 count up within a millisecond).

#include <string>

#include "cli/timestamp.hpp"

namespace sheratan {

std::string new_uuid_v7(EpochMillis now);

/// 32 random hex characters, for lease tokens.
std::string new_random_token();

}  // namespace sheratan
