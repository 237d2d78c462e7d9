#pragma once
// The --listen address: HOST:PORT, [IPV6]:PORT. Loopback means 127.0.0.0/8, ::1 or
// localhost: the only addresses served without tokens.

#include <string>
#include <string_view>

namespace sheratan::serve {

struct ListenAddress {
  std::string host;  // without brackets
  int port = 0;      // 0: any free port
  bool loopback() const;
  /// "127.0.0.1:8001", "[::1]:8001".
  std::string to_string(int bound_port) const;
};

/// Throws Error(usage) naming the text when it is not HOST:PORT with a port 0..65535.
ListenAddress parse_listen_address(std::string_view text);

}  // namespace sheratan::serve
