// What the control socket can ask of the engine, as an interface the engine implements
// (tests use a fake), and the dispatch from a checked request to it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "src/control/control_protocol.h"

namespace vigil::control {

class ControlTarget {
 public:
  virtual ~ControlTarget() = default;
  // Each returns the whole response ({"ok": ..., ...}); all run on the io thread.
  virtual nlohmann::json status() = 0;
  virtual nlohmann::json reload() = 0;
  virtual nlohmann::json upgrade() = 0;
  // {"ok": true, "plan": ...}: a container's seccomp and mount plan for the rules and
  // config in force (the hooks and the shim ask before creating a container).
  virtual nlohmann::json injection_plan() = 0;
  // The createRuntime hook: `state` has been checked (id, pid, bundle).
  virtual nlohmann::json container_created(const nlohmann::json& state) = 0;
  // The poststop hook.
  virtual nlohmann::json container_stopped(const std::string& id) = 0;
};

// Decodes `request` and calls `target`; a bad request gets {"ok": false, "error": ...}.
nlohmann::json handle_control(ControlTarget& target, const nlohmann::json& request);

}  // namespace vigil::control
