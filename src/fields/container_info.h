// What vigil knows about a container from the runtime's state message and its annotations.
#pragma once

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vigil::fields {

struct ContainerInfo {
  std::string full_id;
  std::string id;  // first 12 characters, as Falco shows it
  std::string name;
  std::string image;
  std::string image_repository;
  std::string image_tag;
  std::string image_digest;  // sha256:..., when known
  // Falco's container.type: docker, podman, containerd, cri-o; "" until known.
  std::string type;
  std::string runtime;  // runc, crun, ... when known
  std::string pod_name;
  std::string pod_uid;
  std::string pod_namespace;
  std::string bundle;
  int64_t start_ns = 0;            // when first seen, on the coarse real-time clock (from_state)
  std::string rootfs;              // host path of the root file system, when known
  std::string passwd, group;       // the container's /etc/passwd and /etc/group, read at start
  std::optional<bool> privileged;  // from the bundle's config.json, when read
  struct Mount {
    std::string source, destination, propagation;
    bool rw = true;
  };
  std::vector<Mount> mounts;  // the bundle's config.json's, in order
  // Whether the container has made a hard link since vigil watched it (or may have: a
  // watch taken over from another engine). Until then, no file of the container has a
  // link it made itself: the decision cache's directory analysis relies on it (fd.nlink).
  // Set by the io thread, read by the file event threads.
  struct Flag {
    std::atomic<bool> value{false};
    Flag() = default;
    Flag(const Flag& o) : value(o.value.load()) {}
    Flag& operator=(const Flag& o) {
      value = o.value.load();
      return *this;
    }
  };
  Flag links_made;
  bool files_watched = false;  // fanotify marks its mounts: never open its files from the
                               // io thread (they would wait on vigil's own group)

  // Fills names from CRI / Podman / containerd annotations where present.
  // Whether the container has a pid namespace of its own (not the host's, not joined by
  // path as a pod's shared one): its first process's exit then ends every process in it.
  bool own_pid_namespace = false;
  // Reads what the bundle's config.json says (privileged, the root file system's host
  // path); quietly keeps what it has if the file cannot be read. `through` is prefixed to
  // the bundle's path first ("/proc/<pid>/root" of a container being created: the host's
  // tree as its runtime sees it, where a daemon in a pod does not see it itself); the
  // plain path is read if that fails.
  void read_bundle_config(const std::string& through = "");
  // Sets image and splits it into repository, tag and digest (a digest already known is
  // kept when the reference has none).
  void set_image(const std::string& ref);

  static ContainerInfo from_state(const std::string& id, const std::string& bundle,
                                  const std::map<std::string, std::string>& annotations);
};

// Whether an OCI config (or bundle config.json) gives the container a pid namespace of
// its own: a "pid" entry of linux.namespaces without a path.
bool has_own_pid_namespace(const nlohmann::json& oci);

}  // namespace vigil::fields
