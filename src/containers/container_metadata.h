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
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/containers/container_sources.h"

namespace vigil::containers {

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
  // Never waits for a lookup in progress (an engine stopping for a hand-over must not wait
  // out a slow runtime API): the worker finishes it on its own and its answer is dropped.
  ~MetadataResolver();
  void resolve(const std::string& full_id, const std::string& bundle,
               const std::map<std::string, std::string>& annotations);

 private:
  struct Request {
    std::string id, bundle;
    std::map<std::string, std::string> annotations;
  };
  // What the worker thread shares with the engine; it outlives this object if the worker
  // is still in a lookup when the engine lets go of it.
  struct Shared {
    MetadataSources sources;
    UniqueFd event;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Request> requests;
    std::deque<ContainerMeta> results;
    bool stop = false;
  };
  static void run(const std::shared_ptr<Shared>& s);
  static ContainerMeta lookup(const MetadataSources& sources, const Request& r);
  void arm();

  std::shared_ptr<Shared> shared_;
  Done done_;
  boost::asio::posix::stream_descriptor wake_;
};

}  // namespace vigil::containers
