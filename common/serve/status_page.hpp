#pragma once
// GET /: a small status page, HTML and JavaScript served from the binary (no build
// step, no files to install). It reads /v1/state, /v1/stats and /v1/hosts, and keeps
// them live from /v1/events; with tokens configured it asks for one and sends it as
// a bearer token, so the page itself holds no data and needs no auth.

#include <string_view>

namespace sheratan::serve {

std::string_view status_page_html();

}  // namespace sheratan::serve
