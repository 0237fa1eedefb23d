// The container registry.
#include "src/engine/container_registry.h"

namespace vigil::engine {

std::map<std::string, std::string> annotations_of(const nlohmann::json& state) {
  std::map<std::string, std::string> out;
  if (!state.is_object() || !state.contains("annotations")) return out;
  const auto& a = state["annotations"];
  if (!a.is_object()) return out;
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

std::string creating_root(const std::string& status, int pid) {
  return status == "creating" && pid > 0 ? "/proc/" + std::to_string(pid) + "/root" : "";
}

Container& ContainerRegistry::get(const std::string& id, const std::string& bundle,
                                  const std::map<std::string, std::string>& annotations,
                                  const std::string& through) {
  auto& slot = containers_[id];
  if (slot) return *slot;
  slot = std::make_unique<Container>();
  slot->id = id;
  slot->info = fields::ContainerInfo::from_state(id, bundle, annotations);
  slot->info.read_bundle_config(through);
  return *slot;
}

Container* ContainerRegistry::find(const std::string& id) {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : it->second.get();
}

void ContainerRegistry::release_if_empty(const std::string& id) {
  auto it = containers_.find(id);
  if (it != containers_.end() && it->second->empty()) containers_.erase(it);
}

size_t ContainerRegistry::registered() const {
  size_t n = 0;
  for (const auto& [id, c] : containers_) n += c->registered;
  return n;
}

size_t ContainerRegistry::sessions() const {
  size_t n = 0;
  for (const auto& [id, c] : containers_) n += c->sessions.size();
  return n;
}

size_t ContainerRegistry::watches() const {
  size_t n = 0;
  for (const auto& [id, c] : containers_) n += c->watch != nullptr;
  return n;
}

}  // namespace vigil::engine
