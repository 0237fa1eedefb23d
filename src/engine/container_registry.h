// Every container the engine knows, once: what the runtime said of it (one ContainerInfo,
// built once, that all its events point at), whether its createRuntime hook registered it,
// its seccomp sessions (one per `runc create`/`exec`) and its file watch. A container is
// forgotten when nothing of it is left.
#pragma once

#include <boost/asio.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "src/fanotify/container_watch.h"
#include "src/fields/container_info.h"
#include "src/seccomp/notify_session.h"

namespace vigil::engine {

struct Container {
  struct Session {
    std::shared_ptr<seccomp::NotifySession> session;
    std::string key;  // the keeper's name for it ("" without a keeper)
  };
  std::string id;
  // Events hold a reference to it: a Container never moves (the registry holds it by
  // unique_ptr) and outlives its sessions and watch.
  fields::ContainerInfo info;
  bool registered = false;  // by its createRuntime hook (or a kept watch)
  nlohmann::json state;     // the state the hook sent
  std::map<seccomp::NotifySession*, Session> sessions;
  std::unique_ptr<fanotify::ContainerWatch> watch;
  std::string watch_key;
  // Its first process, as a pidfd, when the container has a pid namespace of its own:
  // readable when it exits, which ends the container (instead of a poststop hook).
  std::unique_ptr<boost::asio::posix::stream_descriptor> first_process;
  bool metadata_asked = false;  // of the runtime (engine/container_metadata.h)
  bool empty() const { return !registered && sessions.empty() && !watch; }
};

// The root to read a container's host files through: "/proc/<pid>/root" of its first
// process while it is being created (status "creating": not pivoted yet, none of its own
// code run, so the host's tree as the runtime sees it), else "" (read by path).
std::string creating_root(const std::string& status, int pid);

// The annotations of an OCI state (string values only; anything else is ignored).
std::map<std::string, std::string> annotations_of(const nlohmann::json& state);

class ContainerRegistry {
 public:
  // The container `id`; a new one is described from `bundle` and `annotations` (names,
  // image, pod, privileged) and the moment it was first seen; its bundle read through
  // `through` (ContainerInfo::read_bundle_config).
  Container& get(const std::string& id, const std::string& bundle,
                 const std::map<std::string, std::string>& annotations,
                 const std::string& through = "");
  Container* find(const std::string& id);
  // Forgets the container if nothing of it is left.
  void release_if_empty(const std::string& id);

  const std::map<std::string, std::unique_ptr<Container>>& all() const { return containers_; }
  size_t registered() const;
  size_t sessions() const;
  size_t watches() const;

 private:
  std::map<std::string, std::unique_ptr<Container>> containers_;
};

}  // namespace vigil::engine
