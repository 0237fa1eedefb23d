// What the runtimes' own files say about a container.
#include "src/containers/container_sources.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace vigil::containers {
namespace {

std::string first_str(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  if (it == o.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return {};
  return (*it)[0].get<std::string>();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string str_of(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return {};
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ContainerOrigin origin_of(const std::string& bundle,
                          const std::map<std::string, std::string>& ann) {
  ContainerOrigin o;
  if (ann.count("io.kubernetes.cri-o.ImageName") || ann.count("io.kubernetes.cri-o.Name")) {
    o.type = "cri-o";
    return o;
  }
  namespace fs = std::filesystem;
  const fs::path b(bundle);
  // containerd's shims: /run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>
  const std::string task = "io.containerd.runtime.v2.task";
  if (b.parent_path().parent_path().filename() == task) {
    o.namespace_ = b.parent_path().filename().string();
    o.type = o.namespace_ == "moby" ? "docker" : "containerd";
    return o;
  }
  // Podman (c/storage): <root>/overlay-containers/<id>/userdata
  if (b.filename() == "userdata" &&
      b.parent_path().parent_path().filename() == "overlay-containers") {
    o.type = "podman";
    o.storage = b.parent_path().parent_path().parent_path().string();
    return o;
  }
  if (ann.count("io.kubernetes.cri.container-name")) o.type = "containerd";
  return o;
}

ContainerMeta podman_meta(const std::string& id, const std::string& containers_json,
                          const std::string& images_json) {
  ContainerMeta m;
  m.id = id;
  m.type = "podman";
  const auto cs = nlohmann::json::parse(containers_json, nullptr, false);
  if (!cs.is_array()) {
    m.error = "containers.json is not a JSON list";
    return m;
  }
  std::string image_id;
  for (const auto& c : cs) {
    if (str_of(c, "id") != id) continue;
    m.name = first_str(c, "names");
    image_id = str_of(c, "image");
    // c/storage keeps Podman's own record of the container as a JSON string.
    const auto meta = nlohmann::json::parse(str_of(c, "metadata"), nullptr, false);
    m.image = str_of(meta, "image-name");
    if (m.name.empty()) m.name = str_of(meta, "name");
    break;
  }
  if (m.name.empty() && m.image.empty()) {
    m.error = "container " + id + " is not in containers.json";
    return m;
  }
  const auto is = nlohmann::json::parse(images_json, nullptr, false);
  if (is.is_array() && !image_id.empty()) {
    for (const auto& i : is) {
      if (str_of(i, "id") != image_id) continue;
      m.digest = str_of(i, "digest");
      if (m.image.empty()) m.image = first_str(i, "names");
    }
  }
  return m;
}

ContainerMeta docker_files_meta(const std::string& id, const std::string& bundle) {
  namespace fs = std::filesystem;
  ContainerMeta m;
  m.id = id;
  m.type = "docker";
  const auto spec = nlohmann::json::parse(read_file(bundle + "/config.json"), nullptr, false);
  std::string dir;
  if (spec.is_object() && spec.contains("mounts") && spec["mounts"].is_array()) {
    for (const auto& mt : spec["mounts"]) {
      if (str_of(mt, "destination") == "/etc/hostname") {
        dir = fs::path(str_of(mt, "source")).parent_path().string();
      }
    }
  }
  if (dir.empty() || fs::path(dir).filename() != id) {
    m.error = "the bundle names no Docker container folder";
    return m;
  }
  const auto c = nlohmann::json::parse(read_file(dir + "/config.v2.json"), nullptr, false);
  if (!c.is_object()) {
    m.error = dir + "/config.v2.json is missing or not JSON";
    return m;
  }
  m.name = str_of(c, "Name");
  if (!m.name.empty() && m.name[0] == '/') m.name.erase(0, 1);
  m.image = c.contains("Config") ? str_of(c["Config"], "Image") : std::string();
  const std::string image_id = str_of(c, "Image");
  // <root>/containers/<id> -> <root>/image/<driver>/repositories.json:
  // {"Repositories": {"busybox": {"busybox@sha256:...": "sha256:<image id>", ...}}}
  const fs::path root = fs::path(dir).parent_path().parent_path();
  std::error_code ec;
  for (const auto& driver : fs::directory_iterator(root / "image", ec)) {
    const auto repos = nlohmann::json::parse(
        read_file((driver.path() / "repositories.json").string()), nullptr, false);
    if (!repos.is_object() || !repos.contains("Repositories") || !repos["Repositories"].is_object())
      continue;
    for (const auto& [repo, refs] : repos["Repositories"].items()) {
      if (!refs.is_object()) continue;
      for (const auto& [ref, target] : refs.items()) {
        const auto at = ref.find('@');
        if (at != std::string::npos && target.is_string() && target == image_id) {
          m.digest = ref.substr(at + 1);
        }
      }
    }
  }
  return m;
}

ContainerMeta files_meta(const std::string& id, const std::string& bundle,
                         const std::map<std::string, std::string>& annotations) {
  const ContainerOrigin o = origin_of(bundle, annotations);
  if (o.type == "docker") return docker_files_meta(id, bundle);
  if (o.type == "podman") {
    return podman_meta(id, read_file(o.storage + "/overlay-containers/containers.json"),
                       read_file(o.storage + "/overlay-images/images.json"));
  }
  ContainerMeta m;
  m.id = id;
  m.type = o.type;
  return m;
}

}  // namespace vigil::containers
