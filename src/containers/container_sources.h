// Where a container came from and what the runtime's own files say about it: Podman's
// storage (containers.json, images.json) and Docker's (config.v2.json, repositories.json).
// Plain file reads, no runtime API: the createRuntime hook uses them before the container's
// first instruction (an API call there could wait on the runtime that waits on the hook),
// and the daemon's resolver (container_metadata.h) when the hook did not.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace vigil::containers {

struct ContainerMeta {
  std::string id;                   // full id
  std::string type;                 // docker, podman, containerd, cri-o; "" if no source knew it
  std::string name, image, digest;  // "" where unknown
  std::string error;                // why a source that should know did not
  bool known() const { return !name.empty() || !image.empty(); }
};

// o[key] if o is an object and that is a string, else "": files and APIs from outside are
// not trusted to be shaped as documented.
std::string str_of(const nlohmann::json& o, const char* key);

// Where a container came from, from its bundle path and annotations.
struct ContainerOrigin {
  std::string type;        // docker, podman, containerd, cri-o, or ""
  std::string namespace_;  // containerd's namespace (moby for Docker, k8s.io for CRI)
  std::string storage;     // Podman's storage root (the bundle's grand-grandparent)
};
ContainerOrigin origin_of(const std::string& bundle,
                          const std::map<std::string, std::string>& annotations);

// Podman: the container's name and image from its storage's containers.json and
// images.json (c/storage's files), as text; "" fields where absent.
ContainerMeta podman_meta(const std::string& id, const std::string& containers_json,
                          const std::string& images_json);

// Docker: the container's folder is where its /etc/hostname comes from (the bundle's
// config.json says); its config.v2.json has the name and image, and the data root's
// image/<driver>/repositories.json the image's registry digest.
ContainerMeta docker_files_meta(const std::string& id, const std::string& bundle);

// What the files of the runtime that made the container say (Docker, Podman); type set
// and nothing else for the others.
ContainerMeta files_meta(const std::string& id, const std::string& bundle,
                         const std::map<std::string, std::string>& annotations);

}  // namespace vigil::containers
