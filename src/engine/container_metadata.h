// Container names and images from the runtime that made the container, not only from its
// annotations: Docker's API (/var/run/docker.sock, Boost.Beast), Podman's storage
// (containers.json, images.json), containerd through `ctr`, CRI annotations. Resolved on a
// worker thread of its own, once per container, off the answer path: events of a
// container seen before its answer came have <NA> for what is not yet known, as in Falco.
// Results come back to the engine's io thread through an eventfd (the engine's io_context
// takes no posts from other threads).
#pragma once

#include <boost/asio.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/engine/container_sources.h"

namespace vigil::engine {

struct MetadataSources {
  bool docker = true, podman = true, containerd = true;
  std::string docker_socket = "/var/run/docker.sock";
  std::string ctr = "ctr";  // containerd's CLI (its API is gRPC; vigil has no gRPC library)
  std::vector<std::string> containerd_sockets = {"/run/containerd/containerd.sock"};
};

class MetadataResolver {
 public:
  using Done = std::function<void(const ContainerMeta&)>;
  // `done` runs on `io`'s thread.
  MetadataResolver(boost::asio::io_context& io, MetadataSources sources, Done done);
  ~MetadataResolver();
  void resolve(const std::string& full_id, const std::string& bundle,
               const std::map<std::string, std::string>& annotations);

 private:
  struct Request {
    std::string id, bundle;
    std::map<std::string, std::string> annotations;
  };
  void run();
  ContainerMeta lookup(const Request& r);
  void arm();

  MetadataSources sources_;
  Done done_;
  UniqueFd event_;
  boost::asio::posix::stream_descriptor wake_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> requests_;
  std::deque<ContainerMeta> results_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vigil::engine
