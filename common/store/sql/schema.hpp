#pragma once
// The store's schema as forward-only migrations: entry N takes PRAGMA user_version
// from N to N+1. Never edit a released entry; append a new one.

#include <vector>

namespace sheratan {

const std::vector<const char*>& schema_migrations();

}  // namespace sheratan
