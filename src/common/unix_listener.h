// Binding a UNIX stream socket for the daemon's listeners (the runtimes' seccomp listener
// and the control socket): parent folders created, a stale socket file replaced, root-only
// (0600), listening.
#pragma once

#include <boost/asio.hpp>
#include <string>

namespace vigil {

// Opens, binds and listens `acceptor` on `path`; false with `error` on any failure.
bool listen_unix(boost::asio::local::stream_protocol::acceptor& acceptor, const std::string& path,
                 int backlog, std::string& error);

}  // namespace vigil
