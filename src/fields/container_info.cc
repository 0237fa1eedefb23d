// Annotation names used by CRI (containerd, CRI-O), Podman and nerdctl.
#include "src/fields/container_info.h"

#include "src/proc/proc_reader.h"

#include <time.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace vigil::fields {

ContainerInfo ContainerInfo::from_state(const std::string& id, const std::string& bundle,
                                        const std::map<std::string, std::string>& ann) {
  ContainerInfo c;
  c.full_id = id;
  c.id = id.substr(0, 12);
  c.bundle = bundle;
  // The start, on the clock file systems stamp inodes with (the coarse real-time clock): a
  // file written after this moment has a ctime at or after it (proc.is_exe_upper_layer).
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  c.start_ns = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  auto get = [&](std::initializer_list<const char*> keys) -> std::string {
    for (const char* k : keys) {
      auto it = ann.find(k);
      if (it != ann.end() && !it->second.empty()) return it->second;
    }
    return {};
  };
  c.name = get({"io.kubernetes.cri.container-name", "io.kubernetes.container.name",
                "io.podman.annotations.container-name", "nerdctl/name", "vigil.container-name"});
  c.image = get({"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName",
                 "io.containerd.image.name", "org.opencontainers.image.ref.name", "vigil.image"});
  c.pod_name = get({"io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"});
  c.pod_namespace = get({"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"});
  c.pod_uid = get({"io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid"});
  c.set_image(c.image);
  if (ann.count("io.kubernetes.cri-o.ImageName") || ann.count("io.kubernetes.cri-o.Name")) {
    c.type = "cri-o";
  } else if (ann.count("io.kubernetes.cri.container-name")) {
    c.type = "containerd";
  }
  return c;
}

void ContainerInfo::set_image(const std::string& ref_with_digest) {
  image = ref_with_digest;
  image_repository.clear();
  image_tag.clear();
  const auto at = ref_with_digest.find('@');
  if (at != std::string::npos) image_digest = ref_with_digest.substr(at + 1);
  // repository[:tag][@digest]; a ':' after the last '/' starts the tag.
  const std::string ref = ref_with_digest.substr(0, at);
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    image_repository = ref.substr(0, colon);
    image_tag = ref.substr(colon + 1);
  } else {
    image_repository = ref;
  }
}

void ContainerInfo::read_bundle_config(const std::string& through) {
  if (bundle.empty()) return;
  const auto text = proc::read_host_file(through, bundle + "/config.json", 16 << 20);
  if (!text) return;
  const nlohmann::json c = nlohmann::json::parse(*text, nullptr, false);
  if (c.is_discarded() || !c.is_object()) return;
  if (c.contains("root") && c["root"].is_object()) {
    const auto path = c["root"].value("path", std::string("rootfs"));
    std::string root = !path.empty() && path[0] == '/' ? path : bundle + "/" + path;
    std::error_code ec;
    rootfs = std::filesystem::weakly_canonical(root, ec).string();
  }
  mounts.clear();
  if (c.contains("mounts") && c["mounts"].is_array()) {
    for (const auto& m : c["mounts"]) {
      if (!m.is_object()) continue;
      auto text = [&](const char* k) {
        return m.contains(k) && m[k].is_string() ? m[k].get<std::string>() : std::string();
      };
      Mount mt;
      mt.source = text("source");
      mt.destination = text("destination");
      mt.propagation = "rprivate";  // the runtimes' default
      if (m.contains("options") && m["options"].is_array()) {
        for (const auto& o : m["options"]) {
          if (!o.is_string()) continue;
          const std::string opt = o.get<std::string>();
          if (opt == "ro") mt.rw = false;
          for (const char* p : {"shared", "rshared", "slave", "rslave", "private", "rprivate"}) {
            if (opt == p) mt.propagation = opt;
          }
        }
      }
      mounts.push_back(std::move(mt));
    }
  }
  own_pid_namespace = has_own_pid_namespace(c);
  // What `--privileged` gives a container: every capability, among them CAP_SYS_ADMIN
  // and CAP_SYS_MODULE, in its bounding set.
  const auto caps = c.value("process", nlohmann::json::object())
                        .value("capabilities", nlohmann::json::object())
                        .value("bounding", nlohmann::json::array());
  bool admin = false, module = false;
  for (const auto& cap : caps) {
    if (!cap.is_string()) continue;
    admin = admin || cap == "CAP_SYS_ADMIN";
    module = module || cap == "CAP_SYS_MODULE";
  }
  privileged = admin && module;
}

bool has_own_pid_namespace(const nlohmann::json& oci) {
  if (!oci.is_object() || !oci.contains("linux") || !oci["linux"].is_object()) return false;
  const auto& ns = oci["linux"].value("namespaces", nlohmann::json::array());
  if (!ns.is_array()) return false;
  for (const auto& n : ns) {
    if (n.is_object() && n.value("type", std::string()) == "pid") {
      return !n.contains("path") || n.value("path", std::string()).empty();
    }
  }
  return false;
}

}  // namespace vigil::fields
