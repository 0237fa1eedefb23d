// One way to bind a listening UNIX socket.
#include "src/common/unix_listener.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace vigil {

bool listen_unix(boost::asio::local::stream_protocol::acceptor& acceptor, const std::string& path,
                 int backlog, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  ::unlink(path.c_str());
  boost::system::error_code bec;
  acceptor.open(boost::asio::local::stream_protocol(), bec);
  if (!bec) acceptor.bind(boost::asio::local::stream_protocol::endpoint(path), bec);
  if (!bec && ::chmod(path.c_str(), 0600) != 0) {
    error = "cannot chmod " + path;
    return false;
  }
  if (!bec) acceptor.listen(backlog, bec);
  if (bec) {
    error = bec.message();
    return false;
  }
  return true;
}

}  // namespace vigil
