#include "serve/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan::serve {

bool ListenAddress::loopback() const {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::string ListenAddress::to_string(int bound_port) const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(bound_port);
}

ListenAddress parse_listen_address(std::string_view text) {
  auto bad = [&](const char* why) { fail(ExitCode::usage, "--listen " + quote(text) + ": " + why); };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) bad("expected HOST:PORT");
  ListenAddress address;
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    bad("an IPv6 host goes in brackets: [::1]:8001");
  if (host.empty()) bad("the host is missing");
  address.host = std::string(host);
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || address.port < 0 ||
      address.port > 65535)
    bad("the port must be 0 to 65535");
  return address;
}

}  // namespace sheratan::serve
